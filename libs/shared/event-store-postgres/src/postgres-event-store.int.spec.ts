import { randomUUID } from 'node:crypto';
import {
  EventIdConflict,
  WrongExpectedVersion,
  appendDecision,
  eventIdFor,
  prepareAppend,
  type AppendResult,
  type ExpectedState,
  type NewEvent,
  type SubscriptionBatch,
} from '@roomledger/event-store';
import { describeEventStoreContract } from '@roomledger/event-store/contract';
import { createTestDatabase, type TestDatabase } from '@roomledger/testing';
import { Client } from 'pg';
import { appendBatch, appendEvents } from './append';
import { GroupCommit } from './group-commit';
import { PostgresEventStore } from './postgres-event-store';

describeEventStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase('rl_event_store');
  const store = await PostgresEventStore.create({ connectionString: database.url });
  return {
    store,
    // A raw transaction that runs the store's own append statement and commits only when told to.
    async holdAppendOpen(streamName: string, events: readonly NewEvent[]) {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query('begin');
        await appendEvents(client, store.schema, streamName, prepareAppend(streamName, events, 'any'), 'any');
      } catch (error) {
        await client.end();
        throw error;
      }
      return {
        async commit() {
          await client.query('commit');
          await client.end();
        },
      };
    },
    async dispose() {
      await store.close();
      await database.drop();
    },
  };
});

describe('PostgreSQL event store', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  const event = (): NewEvent => ({ eventId: randomUUID(), type: 'Noted', data: {} });

  beforeAll(async () => {
    database = await createTestDatabase('rl_event_store_pg');
    store = await PostgresEventStore.create({ connectionString: database.url, schema: 'events_here' });
  });

  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('migrates idempotently, also when several instances start at once, in the schema it is given', async () => {
    const stores = await Promise.all(
      Array.from({ length: 4 }, () =>
        PostgresEventStore.create({ connectionString: database.url, schema: 'racing' }),
      ),
    );
    await Promise.all(stores.map((each) => each.close()));
    const { rows } = await database.pool.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'racing' order by table_name`,
    );
    expect(rows.map((row) => row.table_name)).toEqual(['events', 'migrations', 'snapshots', 'streams']);
    const { rows: applied } = await database.pool.query('select version from racing.migrations');
    expect(applied).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('answers a retried append with the original positions and writes no rows', async () => {
    const stream = `pg${Date.now()}-1`;
    const events = [event(), event()];
    const first = await store.append(stream, events, { expected: 'no_stream' });
    const again = await store.append(stream, events, { expected: 'no_stream' });
    expect(again).toEqual(first);
    const { rows } = await database.pool.query(
      'select count(*)::int as n from events_here.events where stream_name = $1',
      [stream],
    );
    expect(rows[0].n).toBe(2);
  });

  it('refuses, as an id conflict, ids reused at a place the expected revision allows', async () => {
    const stream = `pg${Date.now()}-2`;
    const events = [event(), event()];
    await store.append(stream, events, { expected: 'no_stream' });
    await expect(store.append(stream, [events[1]], { expected: 1n })).rejects.toBeInstanceOf(EventIdConflict);
    await expect(store.append(stream, [event(), events[0]], { expected: 'any' })).rejects.toBeInstanceOf(
      EventIdConflict,
    );
    expect(await store.streamState(stream)).toBe(1n);
  });

  it('limits how long its connections may sit idle inside a transaction', async () => {
    const { rows } = await store.pool.query<{ idle_in_transaction_session_timeout: string }>(
      'show idle_in_transaction_session_timeout',
    );
    expect(rows[0].idle_in_transaction_session_timeout).toBe('10s');
  });

  it('appends a decision under ids from its command, and answers a repeat decided on a newer state as already applied', async () => {
    const stream = `decision${Date.now()}-1`;
    const options = { commandId: 'command-1', actorId: 'alice', metadata: { correlationId: 'c-1' } };
    const first = await appendDecision(store, stream, [{ type: 'Noted', data: { n: 1 } }], {
      ...options,
      revision: -1n,
    });
    expect(first).toMatchObject({ nextExpectedRevision: 0n });
    await store.append(stream, [event()], { expected: 0n });
    // The same command decided again on the newer state: the stream already holds its event.
    const again = await appendDecision(store, stream, [{ type: 'Noted', data: { n: 1 } }], {
      ...options,
      revision: 1n,
    });
    expect(again).toBe('already_applied');
    const events = [];
    for await (const recorded of store.readStream(stream)) events.push(recorded);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      eventId: eventIdFor('command-1', 0),
      metadata: { commandId: 'command-1', actorId: 'alice', causationId: 'command-1', correlationId: 'c-1' },
    });
    await expect(
      appendDecision(store, stream, [{ type: 'Noted', data: {} }], {
        ...options,
        commandId: 'command-2',
        revision: 0n,
      }),
    ).rejects.toBeInstanceOf(WrongExpectedVersion);
  });

  it('moves a type-filtered subscription past the events it leaves out, without sending them', async () => {
    const category = `typed${randomUUID().replaceAll('-', '')}`;
    const wanted: NewEvent = { eventId: randomUUID(), type: 'Wanted', data: {} };
    await store.append(`${category}-1`, [wanted]);
    const last = await store.append(`${category}-1`, [event(), event(), event()]);

    const eventTypes = { [category]: ['Wanted'] };
    const batches: SubscriptionBatch[] = [];
    let later: AppendResult | undefined;
    for await (const batch of store.subscribe({ categories: [category], eventTypes })) {
      batches.push(batch);
      if (batch.checkpoint === last.checkpoint)
        later ??= await store.append(`${category}-2`, [event(), event()]);
      if (batch.checkpoint === later?.checkpoint) break;
    }
    // Only the kept event is sent; the checkpoint reaches the last left-out event all the same, live too,
    // in a batch with no events.
    expect(batches.flatMap((batch) => batch.events.map((recorded) => recorded.eventId))).toEqual([
      wanted.eventId,
    ]);
    expect(batches.at(-1)).toEqual({ events: [], checkpoint: later?.checkpoint, caughtUp: true });

    // Resumed there, it reads nothing at all.
    for await (const batch of store.subscribe({
      categories: [category],
      eventTypes: { [category]: ['Wanted'] },
      from: later?.checkpoint,
    })) {
      expect(batch).toEqual({ events: [], checkpoint: later?.checkpoint, caughtUp: true });
      break;
    }
  });

  describe('group commit', () => {
    const request = (streamName: string, events: NewEvent[], expected: ExpectedState) => ({
      streamName,
      events: prepareAppend(streamName, events, expected),
      expected,
    });

    it('decides each append of a batch on its own, in one transaction, and answers in request order', async () => {
      const tag = `gc${Date.now()}`;
      const existing = [event()];
      await store.append(`${tag}-b`, existing, { expected: 'no_stream' });
      const results = await appendBatch(database.pool, 'events_here', [
        request(`${tag}-c`, [event(), event()], 'no_stream'),
        request(`${tag}-b`, [event()], 5n), // wrong revision: refused alone
        request(`${tag}-a`, [event()], 'any'),
        request(`${tag}-b`, existing, 'no_stream'), // a retry of the first append: idempotent
        request(`${tag}-b`, [event()], 0n), // same stream later in the batch sees nothing of the refusal
        request(`${tag}-b`, [event()], 0n), // ... but does see the append before it
      ]);
      expect(results[0]).toMatchObject({ nextExpectedRevision: 1n });
      expect(results[1]).toBeInstanceOf(WrongExpectedVersion);
      expect((results[1] as WrongExpectedVersion).actual).toBe(0n);
      expect(results[2]).toMatchObject({ nextExpectedRevision: 0n });
      expect(results[3]).toMatchObject({ nextExpectedRevision: 0n });
      expect(results[4]).toMatchObject({ nextExpectedRevision: 1n });
      expect(results[5]).toBeInstanceOf(WrongExpectedVersion);
      const checkpoints = new Set(
        results.flatMap((result) => (result instanceof Error ? [] : [result.checkpoint.split('/')[0]])),
      );
      checkpoints.delete(
        (results[3] as { checkpoint: string }).checkpoint.split('/')[0], // the retry reports the first commit
      );
      expect(checkpoints.size).toBe(1); // everything new went in one transaction
    });

    it('falls back to one statement per append when the batch fails as a whole, so one bad append fails alone', async () => {
      const tag = `gcf${Date.now()}`;
      const reused = event();
      await store.append(`${tag}-x`, [reused], { expected: 'no_stream' });
      // lanes: 1 and a slow first append make the next three queue up and go as one batch
      const commit = new GroupCommit(database.pool, 'events_here', {
        lanes: 1,
        maxAppends: 64,
        maxEvents: 1_000,
      });
      const first = commit.append(request(`${tag}-w`, [event()], 'no_stream'));
      const batched = await Promise.allSettled([
        commit.append(request(`${tag}-y`, [event()], 'no_stream')),
        commit.append(request(`${tag}-x`, [reused], 0n)), // reuses an id under a new revision: raises in SQL
        commit.append(request(`${tag}-z`, [event()], 'no_stream')),
      ]);
      await first;
      expect(batched.map((each) => each.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((batched[1] as PromiseRejectedResult).reason).toBeInstanceOf(EventIdConflict);
      expect(await store.streamState(`${tag}-y`)).toBe(0n);
      expect(await store.streamState(`${tag}-z`)).toBe(0n);
      expect(await store.streamState(`${tag}-x`)).toBe(0n);
    });

    it('lets exactly one of many concurrent appends on the same expected revision win, across batches', async () => {
      const stream = `gcr${Date.now()}-1`;
      await store.append(stream, [event()], { expected: 'no_stream' });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, () => store.append(stream, [event()], { expected: 0n })),
      );
      expect(outcomes.filter((each) => each.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.filter((each): each is PromiseRejectedResult => each.status === 'rejected');
      expect(refused.every((each) => each.reason instanceof WrongExpectedVersion)).toBe(true);
      expect(await store.streamState(stream)).toBe(1n);
    });
  });
});
