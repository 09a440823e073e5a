import { randomUUID } from 'node:crypto';
import { EventIdConflict, prepareAppend, type NewEvent } from '@roomledger/event-store';
import { describeEventStoreContract } from '@roomledger/event-store/contract';
import { createTestDatabase, type TestDatabase } from '@roomledger/testing';
import { Client } from 'pg';
import { appendEvents } from './append';
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
    expect(applied).toEqual([{ version: 1 }]);
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
});
