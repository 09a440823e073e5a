import { randomUUID } from 'node:crypto';
import type { Checkpoint, NewEvent, RecordedEvent } from '@roomledger/event-store';
import { PostgresEventStore } from '@roomledger/event-store-postgres';
import {
  createTestDatabase,
  eventually,
  scrapedValue,
  uniqueSuffix,
  type TestDatabase,
} from '@roomledger/testing';
import { trackLag } from '@roomledger/observability';
import type { PoolClient } from 'pg';
import { Registry } from 'prom-client';
import { compareAndStoreCheckpoint, ensureCheckpointTable, loadCheckpoint } from './checkpoints';
import { ProjectionFailed, ProjectionRunner, type Projection } from './projection-runner';
import { upsertIfNewer } from './versioned-upsert';

describe('ProjectionRunner on the PostgreSQL event store', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  const running: ProjectionRunner[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('rl_projections');
    store = await PostgresEventStore.create({ connectionString: database.url, schema: 'events' });
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((runner) => runner.stop()));
  });

  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  function runner(projection: Projection, options: { leased?: boolean } = {}): ProjectionRunner {
    const created = new ProjectionRunner({
      ...projection,
      store,
      pool: database.pool,
      ...(options.leased ? { leaderPool: database.pool, leaseRetryMs: 100 } : {}),
    });
    running.push(created);
    return created;
  }

  async function append(streamName: string, ...types: string[]): Promise<Checkpoint> {
    const events: NewEvent[] = types.map((type) => ({ eventId: randomUUID(), type, data: {} }));
    return (await store.append(streamName, events)).checkpoint;
  }

  async function countsIn(schema: string): Promise<StreamCount[]> {
    const { rows } = await database.pool.query<StreamCount>(
      `select stream_name, events, last_revision, last_applied_checkpoint from "${schema}".stream_counts order by stream_name`,
    );
    return rows;
  }

  async function timesApplied(schema: string): Promise<Map<string, number>> {
    const { rows } = await database.pool.query<{ event_id: string; n: number }>(
      `select event_id, count(*)::int as n from "${schema}".applications group by event_id`,
    );
    return new Map(rows.map((row) => [row.event_id, row.n]));
  }

  describe('When events were appended before it started', () => {
    it('catches up on them, then follows live appends', async () => {
      const { category, projection } = streamCounter();
      await append(`${category}-a`, 'Noted', 'Noted');
      await append(`${category}-b`, 'Noted');
      const counter = runner(projection);

      await counter.start();
      await counter.waitUntilCaughtUp();
      expect(await countsIn(projection.schema)).toMatchObject([
        { stream_name: `${category}-a`, events: 2, last_revision: '1' },
        { stream_name: `${category}-b`, events: 1, last_revision: '0' },
      ]);

      const live = await append(`${category}-b`, 'Noted', 'Noted');
      await counter.waitUntil(live);
      expect(await countsIn(projection.schema)).toMatchObject([
        { stream_name: `${category}-a`, events: 2 },
        { stream_name: `${category}-b`, events: 3, last_revision: '2', last_applied_checkpoint: live },
      ]);
      expect(counter.status()).toMatchObject({
        state: 'running',
        caughtUp: true,
        checkpoint: live,
        eventsApplied: 5,
      });
    });

    it('reads only the categories it was given', async () => {
      const { category, projection } = streamCounter();
      const other = streamCounter();
      await append(`${other.category}-x`, 'Noted');
      const mine = await append(`${category}-a`, 'Noted');
      const counter = runner(projection);

      await counter.start();
      await counter.waitUntil(mine);

      expect((await countsIn(projection.schema)).map((row) => row.stream_name)).toEqual([`${category}-a`]);
    });
  });

  describe('When it reads only some event types', () => {
    it('applies only those, and its stored checkpoint moves past the others', async () => {
      const { category, projection } = streamCounter();
      const counter = runner({ ...projection, eventTypes: { [category]: ['Noted'] } });
      await counter.start();

      await append(`${category}-a`, 'Skipped', 'Noted');
      const last = await append(`${category}-a`, 'Skipped', 'Skipped');
      await counter.waitUntil(last, { timeoutMs: 5_000 });

      expect(await countsIn(projection.schema)).toMatchObject([{ stream_name: `${category}-a`, events: 1 }]);
      expect((await timesApplied(projection.schema)).size).toBe(1);
      expect(await loadCheckpoint(database.pool, projection.name, projection.schema)).toBe(last);
      expect(await counter.lag()).toEqual({ events: 0, seconds: 0 });
    });
  });

  describe('When it is stopped and started again', () => {
    it('resumes from the stored checkpoint and applies nothing twice', async () => {
      const { category, projection } = streamCounter();
      const first = runner(projection);
      await first.start();
      const before = await append(`${category}-a`, 'Noted', 'Noted');
      await first.waitUntil(before);
      await first.stop();

      const whileStopped = await append(`${category}-a`, 'Noted');
      expect(await loadCheckpoint(database.pool, projection.name, projection.schema)).toBe(before);

      const second = runner(projection);
      await second.start();
      await second.waitUntil(whileStopped);

      expect(await countsIn(projection.schema)).toMatchObject([{ stream_name: `${category}-a`, events: 3 }]);
      const applied = await timesApplied(projection.schema);
      expect([...applied.values()]).toEqual([1, 1, 1]);
      expect(await loadCheckpoint(database.pool, projection.name, projection.schema)).toBe(whileStopped);
    });
  });

  describe('When several instances share its lease', () => {
    it('one applies each event once, the others answer waitUntil from the stored checkpoint and take over when it stops', async () => {
      const { category, projection } = streamCounter();
      const first = runner(projection, { leased: true });
      await first.start();
      await eventually(() => expect(first.status().state).toBe('running'), 5_000, 10);
      const second = runner(projection, { leased: true });
      await second.start();
      await eventually(() => expect(second.status().state).toBe('standby'), 5_000, 10);

      const applied = await append(`${category}-a`, 'Noted', 'Noted');
      await second.waitUntil(applied, { timeoutMs: 5_000 });
      expect(await countsIn(projection.schema)).toMatchObject([{ stream_name: `${category}-a`, events: 2 }]);
      expect(first.status().eventsApplied).toBe(2);
      expect(second.status()).toMatchObject({ state: 'standby', eventsApplied: 0, checkpoint: applied });
      await second.waitUntilCaughtUp({ timeoutMs: 5_000 });
      expect(second.status().caughtUp).toBe(true);

      await first.stop();
      const afterHandOver = await append(`${category}-a`, 'Noted');
      await second.waitUntil(afterHandOver, { timeoutMs: 5_000 });
      expect(second.status()).toMatchObject({ state: 'running', eventsApplied: 1 });
      expect([...(await timesApplied(projection.schema)).values()]).toEqual([1, 1, 1]);
      expect(await countsIn(projection.schema)).toMatchObject([{ stream_name: `${category}-a`, events: 3 }]);
    });

    it('never commits a batch on a checkpoint another runner moved: it resumes from the stored one', async () => {
      const { category, projection } = streamCounter();
      const leader = runner(projection, { leased: true });
      await leader.start();
      await eventually(() => expect(leader.status().state).toBe('running'), 5_000, 10);
      const first = await append(`${category}-a`, 'Noted');
      const second = await append(`${category}-b`, 'Noted');
      await leader.waitUntil(second);

      // What a rebuild swapping in a copy that stopped at `first` leaves behind.
      await database.pool.query(
        `update "${projection.schema}".checkpoints set checkpoint = $1 where name = $2`,
        [first, projection.name],
      );
      const third = await append(`${category}-c`, 'Noted');
      await leader.waitUntil(third, { timeoutMs: 5_000 });
      expect(await loadCheckpoint(database.pool, projection.name, projection.schema)).toBe(third);

      // The event after the moved checkpoint was applied again rather than skipped.
      expect([...(await timesApplied(projection.schema)).values()].sort()).toEqual([1, 1, 2]);
      expect(leader.status()).toMatchObject({ state: 'running', checkpoint: third });
    });
  });

  describe('compareAndStoreCheckpoint (the fence)', () => {
    it('moves a checkpoint only from the one expected, and writes nothing otherwise', async () => {
      const schema = `cas_${uniqueSuffix()}`;
      await ensureCheckpointTable(database.pool, schema);
      const [first, second, third] = [
        await append(`cas-${uniqueSuffix()}`, 'Noted'),
        await append(`cas-${uniqueSuffix()}`, 'Noted'),
        await append(`cas-${uniqueSuffix()}`, 'Noted'),
      ];
      const move = (name: string, expected: Checkpoint | undefined, next: Checkpoint) =>
        compareAndStoreCheckpoint(database.pool, name, expected, next, schema);

      // No row yet: only "nothing stored" matches.
      expect(await move('a', first, second)).toBe(false);
      expect(await loadCheckpoint(database.pool, 'a', schema)).toBeUndefined();
      expect(await move('a', undefined, first)).toBe(true);
      expect(await loadCheckpoint(database.pool, 'a', schema)).toBe(first);

      // A row: only its own value matches, never "nothing stored" nor another checkpoint.
      expect(await move('a', undefined, second)).toBe(false);
      expect(await move('a', third, second)).toBe(false);
      expect(await loadCheckpoint(database.pool, 'a', schema)).toBe(first);
      expect(await move('a', first, second)).toBe(true);
      expect(await loadCheckpoint(database.pool, 'a', schema)).toBe(second);
      await database.pool.query(`drop schema "${schema}" cascade`);
    });
  });

  describe('Its lag on /metrics', () => {
    it('counts the events appended while it was stopped, with the age of the oldest, and none once it caught up', async () => {
      const { category, projection } = streamCounter();
      const registry = new Registry();
      const first = runner(projection);
      trackLag(registry, 'projection', projection.name, () => first.lag());
      await first.start();
      await first.waitUntil(await append(`${category}-a`, 'Noted'));
      expect(await scraped(registry, projection.name)).toEqual({ events: 0, seconds: 0 });

      await first.stop();
      await append(`${category}-a`, 'Noted', 'Noted');
      await append(`${category}-b`, 'Noted');
      const behind = await scraped(registry, projection.name);
      expect(behind.events).toBe(3);
      expect(behind.seconds).toBeGreaterThan(0);

      await first.start();
      await first.waitUntilCaughtUp();
      expect(await scraped(registry, projection.name)).toEqual({ events: 0, seconds: 0 });
    });
  });

  describe('When an event is applied again (per-row versions)', () => {
    it('changes no row, nor does an older event', async () => {
      const { category, projection } = streamCounter();
      const counter = runner(projection);
      await counter.start();
      const events: RecordedEvent[] = [];
      await append(`${category}-a`, 'Noted', 'Noted');
      for await (const event of store.readStream(`${category}-a`)) events.push(event);
      await counter.waitUntil(events[1].checkpoint);
      const settled = await countsIn(projection.schema);

      const client = await database.pool.connect();
      try {
        await client.query(`set search_path to "${projection.schema}"`);
        expect(await countEvent(client, events[1])).toBe(false);
        expect(await countEvent(client, events[0])).toBe(false);
      } finally {
        await client.query('reset search_path');
        client.release();
      }

      expect(await countsIn(projection.schema)).toEqual(settled);
      expect(settled).toMatchObject([
        { events: 2, last_revision: '1', last_applied_checkpoint: events[1].checkpoint },
      ]);
    });
  });

  describe('When it is rebuilt from the beginning', () => {
    it('replays into fresh tables, yields identical rows and keeps following', async () => {
      const { category, projection } = streamCounter();
      await append(`${category}-a`, 'Noted', 'Noted', 'Noted');
      await append(`${category}-b`, 'Noted');
      const counter = runner(projection);
      await counter.start();
      await counter.waitUntil(await append(`${category}-c`, 'Noted'));
      const before = await countsIn(projection.schema);
      const checkpointBefore = counter.status().checkpoint;

      await counter.rebuild();

      expect(await countsIn(projection.schema)).toEqual(before);
      expect([...(await timesApplied(projection.schema)).values()]).toEqual([1, 1, 1, 1, 1]);
      expect(await loadCheckpoint(database.pool, projection.name, projection.schema)).toBe(checkpointBefore);
      const { rows: schemas } = await database.pool.query<{ nspname: string }>(
        'select nspname from pg_namespace where nspname like $1 order by nspname',
        [`${projection.schema}%`],
      );
      expect(schemas.map((row) => row.nspname)).toEqual([projection.schema]);

      const after = await append(`${category}-a`, 'Noted');
      await counter.waitUntil(after);
      expect(await countsIn(projection.schema)).toMatchObject([
        { stream_name: `${category}-a`, events: 4 },
        { stream_name: `${category}-b`, events: 1 },
        { stream_name: `${category}-c`, events: 1 },
      ]);
    });
  });

  describe('When applying a batch fails', () => {
    it('stops and moves neither the rows nor the checkpoint of that batch', async () => {
      const { category, projection } = streamCounter();
      const counter = runner(projection);
      await counter.start();
      const good = await append(`${category}-a`, 'Noted');
      await counter.waitUntil(good);

      // One append, hence one batch: the first event's rows are written before the second one throws.
      const poisoned = await append(`${category}-b`, 'Noted', 'Poison');

      await expect(counter.waitUntil(poisoned)).rejects.toThrow(ProjectionFailed);
      expect(counter.status()).toMatchObject({
        state: 'failed',
        checkpoint: good,
        lastError: { message: 'cannot apply Poison', transient: false },
      });
      expect(await countsIn(projection.schema)).toMatchObject([{ stream_name: `${category}-a`, events: 1 }]);
      expect((await timesApplied(projection.schema)).size).toBe(1);
      expect(await loadCheckpoint(database.pool, projection.name, projection.schema)).toBe(good);
    });
  });
});

interface StreamCount {
  stream_name: string;
  events: number;
  last_revision: string;
  last_applied_checkpoint: string;
}

/**
 * The read model under test: events per stream, each row versioned by the checkpoint of the last event
 * applied to it, plus an append-only log of applications that shows any event applied twice.
 */
/** The projection's two lag gauges as Prometheus scrapes them. */
async function scraped(registry: Registry, projection: string): Promise<{ events: number; seconds: number }> {
  const [events, seconds] = await Promise.all(
    ['projection_lag_events', 'projection_lag_seconds'].map((name) =>
      scrapedValue(registry, name, { projection }),
    ),
  );
  return { events: events ?? Number.NaN, seconds: seconds ?? Number.NaN };
}

function streamCounter(): { category: string; projection: Projection & { schema: string } } {
  const suffix = uniqueSuffix();
  const category = `counted${suffix}`;
  return {
    category,
    projection: {
      name: 'stream_counter',
      schema: `read_${suffix}`,
      categories: [category],
      async setup(client) {
        await client.query(`create table if not exists stream_counts (
          stream_name text primary key,
          events int not null,
          last_revision bigint not null,
          last_applied_checkpoint text collate "C" not null
        )`);
        await client.query('create table if not exists applications (event_id text not null)');
      },
      async apply(client, events) {
        for (const event of events) {
          if (event.type === 'Poison') throw new Error('cannot apply Poison');
          await client.query('insert into applications (event_id) values ($1)', [event.eventId]);
          await countEvent(client, event);
        }
      },
    },
  };
}

function countEvent(client: PoolClient, event: RecordedEvent): Promise<boolean> {
  return upsertIfNewer(client, {
    table: 'stream_counts',
    key: ['stream_name'],
    versionColumn: 'last_applied_checkpoint',
    row: {
      stream_name: event.streamName,
      events: 1,
      last_revision: event.revision,
      last_applied_checkpoint: event.checkpoint,
    },
    update: { events: 'current.events + 1' },
  });
}
