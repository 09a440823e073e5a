/**
 * Event store benchmark: `npm run bench:event-store`. A command, never a test: it prints figures beside
 * a raw PostgreSQL baseline measured in the same run, on the same server, and what else was running.
 * Goals are printed as PASS/MISS; a miss never fails the process. Row (b2) keeps the evidence for a
 * design choice of the PostgreSQL store: it never calls pg_notify inside the append transaction.
 *
 * Environment: BENCH_DATABASE_URL (an account with CREATEDB; default the local roomledger server),
 * BENCH_KAFKA_BROKERS (default 127.0.0.1:9092), BENCH_SECONDS (per timed phase, default 10).
 * It creates a fresh database and a fresh topic and drops both at the end.
 */
import { randomUUID } from 'node:crypto';
import {
  prepareAppend,
  WrongExpectedVersion,
  type Checkpoint,
  type StreamState,
} from '@roomledger/event-store';
import { appendEvents, PostgresEventStore, type Queryable } from '@roomledger/event-store-postgres';
import { createKafka, runRelay } from '@roomledger/messaging';
import { Pool, type QueryResultRow } from 'pg';
import { pino } from 'pino';
import {
  admin,
  BROKERS,
  createBenchDatabase,
  dropBenchDatabase,
  fmt,
  machine,
  ms,
  now,
  percentile,
  pgbench,
  printReport,
  progress,
  query,
  SECONDS,
  type Row,
} from './bench-support';

const CLIENTS = 8; // pgbench clients = writers in (b): the same concurrency
const STREAMS = 1_000;
const HOT_WRITERS = 16;
const CATCH_UP_EVENTS = 100_000;
const RELAY_TIMEOUT_MS = 45_000;

const logger = pino({ level: 'error' });

async function main(): Promise<void> {
  const started = now();
  const rows: Row[] = [];
  const before = machine();
  const { name: dbName, url: dbUrl } = await createBenchDatabase();
  const kafka = createKafka({ clientId: 'bench', brokers: BROKERS, logger });
  const topic = `bench.event-store.${dbName}`;
  let store: PostgresEventStore | undefined;
  let pool: Pool | undefined;
  let topicCreated = false;
  try {
    const serverVersion = await admin<{ server_version: string }>('show server_version');

    // (a) the raw floor
    progress(`(a) pgbench: ${CLIENTS} clients, ${SECONDS} s, single-row insert into a plain table`);
    // The same shape of row an append writes: stream name, type, JSON data and metadata, a timestamp.
    await query(
      dbUrl.toString(),
      `create table raw_inserts (id bigserial primary key, stream_name text not null, type text not null,
         data jsonb not null, metadata jsonb not null, created_at timestamptz not null default now())`,
    );
    const raw = pgbench({
      url: dbUrl,
      clients: CLIENTS,
      seconds: SECONDS,
      script:
        `\\set s random(1, ${STREAMS})\n` +
        `insert into raw_inserts (stream_name, type, data, metadata) values ('bench-' || :s, 'Noted', '{"n": 1, "note": "x"}', '{}');\n`,
    });
    rows.push({
      measure: '(a) raw floor: pgbench single-row INSERT, plain table',
      figure: `${fmt(raw.tps)} tx/s`,
      detail: `pgbench, ${CLIENTS} clients, ${SECONDS} s, avg ${raw.latencyMs.toFixed(2)} ms`,
      goal: 'reference',
      verdict: '',
    });

    store = await PostgresEventStore.create({
      connectionString: dbUrl.toString(),
      poolSize: HOT_WRITERS + 4,
    });

    // (b) appends across many streams
    progress(`(b) appends: ${CLIENTS} writers, ${STREAMS} streams, 1 event per append, ${SECONDS} s`);
    const many = await appendsAcrossStreams(
      (stream, expected) => store!.append(stream, [noted()], { expected }),
      'bench',
    );
    const share = many.rate / raw.tps;
    rows.push({
      measure: `(b) appends, ${STREAMS} streams, ${CLIENTS} writers`,
      figure: `${fmt(many.rate)} appends/s`,
      detail: `p50 ${ms(many.p50)} p95 ${ms(many.p95)} p99 ${ms(many.p99)}; ${fmt(many.count)} appends, ${many.conflicts} conflicts`,
      goal: '>= 5,000/s',
      verdict: many.rate >= 5_000 ? 'PASS' : 'MISS',
    });
    rows.push({
      measure: '(b) ... as a share of the raw floor (a)',
      figure: `${(share * 100).toFixed(1)} %`,
      detail: '',
      goal: '>= 30 %',
      verdict: share >= 0.3 ? 'PASS' : 'MISS',
    });

    // (b2) the same appends with a pg_notify inside each append transaction: what the store avoids
    progress(`(b2) the same appends with pg_notify inside each append transaction, ${SECONDS} s`);
    const notifyingPool = new Pool({ connectionString: dbUrl.toString(), max: CLIENTS });
    const notifying = await appendsAcrossStreams(
      (stream, expected) =>
        appendEvents(
          withNotify(notifyingPool),
          'event_store',
          stream,
          prepareAppend(stream, [noted()], expected),
          expected,
        ),
      'notify',
    ).finally(() => notifyingPool.end());
    rows.push({
      measure: '(b2) ... with pg_notify in every append transaction',
      figure: `${fmt(notifying.rate)} appends/s`,
      detail: `${((notifying.rate / many.rate) * 100).toFixed(0)} % of (b): why the store notifies at most every 20 ms, after commit`,
      goal: 'report',
      verdict: '',
    });

    // (c) one hot stream
    progress(
      `(c) hot stream: ${HOT_WRITERS} writers, read state -> append(expected) -> retry, ${Math.ceil(SECONDS * 0.8)} s`,
    );
    const hot = await hotStream(store, Math.ceil(SECONDS * 0.8));
    rows.push({
      measure: `(c) one hot stream, ${HOT_WRITERS} writers, optimistic retry`,
      figure: `${fmt(hot.rate)} appends/s`,
      detail: `${fmt(hot.successes)} ok, ${fmt(hot.conflicts)} WrongExpectedVersion; conflict rate ${(hot.conflictRate * 100).toFixed(1)} % of attempts`,
      goal: 'report',
      verdict: '',
    });

    // (d) catch-up read
    const existing = await countEvents(store);
    const seed = Math.max(0, CATCH_UP_EVENTS - existing);
    progress(`(d) seeding ${fmt(seed)} events (50 per append) to reach ~${fmt(CATCH_UP_EVENTS)}`);
    await seedEvents(store, seed);
    progress('(d) catch-up subscription from zero to caught-up');
    const catchUp = await catchUpRead(store);
    rows.push({
      measure: '(d) catch-up subscription, zero -> caught up',
      figure: `${fmt(catchUp.rate)} events/s`,
      detail: `${fmt(catchUp.events)} events in ${catchUp.seconds.toFixed(2)} s, batch 500`,
      goal: '>= 20,000/s',
      verdict: catchUp.rate >= 20_000 ? 'PASS' : 'MISS',
    });

    // (e) relay to Kafka
    const admin_ = kafka.admin();
    await admin_.connect();
    await admin_.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    });
    topicCreated = true;
    await admin_.disconnect();
    pool = new Pool({ connectionString: dbUrl.toString(), max: 2 });
    progress(
      `(e) relay: all ${fmt(catchUp.events)} events into a fresh topic (3 partitions), acks=all, idempotent`,
    );
    const relay = await relayThroughput(store, kafka, pool, topic, catchUp.last);
    rows.push({
      measure: '(e) relay to Kafka, zero -> caught up (acknowledged)',
      figure: relay.done ? `${fmt(relay.rate)} events/s` : `${fmt(relay.rate)} events/s (INCOMPLETE)`,
      detail: `${fmt(relay.published)} messages in ${relay.seconds.toFixed(2)} s, batch 500, checkpoint stored per batch`,
      goal: 'report',
      verdict: '',
    });

    const after = machine();
    print(rows, before, after, serverVersion[0].server_version, (now() - started) / 1000);
  } finally {
    await store?.close().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    if (topicCreated) {
      const cleanup = kafka.admin();
      await cleanup
        .connect()
        .then(() => cleanup.deleteTopics({ topics: [topic] }))
        .catch(() => undefined)
        .finally(() => cleanup.disconnect());
    }
    await dropBenchDatabase(dbName);
  }
}

// ---------------------------------------------------------------------------------------------------

const noted = () => ({ eventId: randomUUID(), type: 'Noted', data: { note: 'x' } });

/**
 * The store's own append statement with a pg_notify in the same statement (one round trip, as the
 * real append): the design measured in (b2) and rejected, since NOTIFY serialises commits.
 */
function withNotify(pool: Pool): Queryable {
  return {
    query: <R extends QueryResultRow>(config: { name?: string; text: string; values?: unknown[] }) => {
      if (!config.text.startsWith('select *')) throw new Error('the append statement changed; update (b2)');
      return pool.query<R>({
        name: `${config.name}_notify`,
        text: config.text.replace('select *', "select *, pg_notify('bench', '') as notified"),
        values: config.values,
      });
    },
  };
}

type Append = (stream: string, expected: StreamState) => Promise<{ nextExpectedRevision: bigint }>;

async function appendsAcrossStreams(append: Append, prefix: string) {
  const revisions = new Map<string, StreamState>();
  const latencies: number[] = [];
  let conflicts = 0;
  const deadline = now() + SECONDS * 1000;
  const t0 = now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, writer) => {
      // Each writer owns the streams i ≡ writer (mod CLIENTS), so its expected revision is exact.
      const mine = Array.from({ length: STREAMS / CLIENTS }, (_, i) => `${prefix}-${i * CLIENTS + writer}`);
      let i = 0;
      while (now() < deadline) {
        const stream = mine[(i += 1) % mine.length];
        const expected = revisions.get(stream) ?? 'no_stream';
        const begin = now();
        try {
          const result = await append(stream, expected);
          latencies.push(now() - begin);
          revisions.set(stream, result.nextExpectedRevision);
        } catch (error) {
          if (!(error instanceof WrongExpectedVersion)) throw error;
          conflicts += 1;
          revisions.set(stream, error.actual);
        }
      }
    }),
  );
  const seconds = (now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    rate: latencies.length / seconds,
    conflicts,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
  };
}

async function hotStream(store: PostgresEventStore, seconds: number) {
  const stream = 'hot-1';
  let successes = 0;
  let conflicts = 0;
  const deadline = now() + seconds * 1000;
  const t0 = now();
  await Promise.all(
    Array.from({ length: HOT_WRITERS }, async (_, writer) => {
      while (now() < deadline) {
        const state = await store.streamState(stream); // read state (the decider would fold it here)
        try {
          await store.append(stream, [{ eventId: randomUUID(), type: 'Noted', data: { writer } }], {
            expected: state,
          });
          successes += 1;
        } catch (error) {
          if (!(error instanceof WrongExpectedVersion)) throw error;
          conflicts += 1; // retry: re-read and decide again
        }
      }
    }),
  );
  const elapsed = (now() - t0) / 1000;
  return {
    successes,
    conflicts,
    rate: successes / elapsed,
    conflictRate: conflicts / Math.max(1, successes + conflicts),
  };
}

async function countEvents(store: PostgresEventStore): Promise<number> {
  const { rows } = await store.pool.query<{ n: number }>(
    `select count(*)::int as n from ${store.schema}.events`,
  );
  return rows[0].n;
}

async function seedEvents(store: PostgresEventStore, count: number): Promise<void> {
  const perAppend = 50;
  let remaining = Math.ceil(count / perAppend);
  await Promise.all(
    Array.from({ length: 16 }, async (_, writer) => {
      let i = 0;
      while (remaining > 0) {
        remaining -= 1;
        i += 1;
        const events = Array.from({ length: perAppend }, (_, n) => ({
          eventId: randomUUID(),
          type: 'Seeded',
          data: { n, note: 'x' },
        }));
        await store.append(`seed-${(writer * 7919 + i) % STREAMS}`, events);
      }
    }),
  );
}

async function catchUpRead(store: PostgresEventStore) {
  const t0 = now();
  let events = 0;
  let last: Checkpoint | undefined;
  const subscription = store.subscribe({ batchSize: 500 });
  for await (const batch of subscription) {
    events += batch.events.length;
    last = batch.checkpoint;
    if (batch.caughtUp) break;
  }
  await subscription.stop();
  const seconds = (now() - t0) / 1000;
  return { events, seconds, rate: events / seconds, last };
}

async function relayThroughput(
  store: PostgresEventStore,
  kafka: ReturnType<typeof createKafka>,
  pool: Pool,
  topic: string,
  last: Checkpoint | undefined,
) {
  const t0 = now();
  const relay = await runRelay({
    name: 'bench',
    store,
    kafka,
    topic,
    pool,
    logger,
    source: '/roomledger/bench',
    batchSize: 500,
    map: (event) => ({
      type: `roomledger.bench.${event.type.toLowerCase()}.v1`,
      subject: event.streamName,
      data: event.data,
    }),
  });
  const deadline = now() + RELAY_TIMEOUT_MS;
  let done = false;
  while (now() < deadline) {
    const status = relay.status();
    if (
      status.caughtUp &&
      status.checkpoint !== undefined &&
      last !== undefined &&
      status.checkpoint >= last
    ) {
      done = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (now() - t0) / 1000;
  const { published, lastError } = relay.status();
  await relay.stop();
  if (lastError) progress(`(e) relay reported: ${lastError}`);
  return { published, seconds, rate: published / seconds, done };
}

// ---------------------------------------------------------------------------------------------------

function print(
  rows: Row[],
  before: ReturnType<typeof machine>,
  after: ReturnType<typeof machine>,
  pgVersion: string,
  seconds: number,
): void {
  printReport({
    title:
      'roomledger event store benchmark (PostgreSQL adapter; one run, one fresh database on the same server)',
    rows,
    machineSection: '(f) what else was running',
    before,
    after,
    pgVersion,
    notes: [
      `  whole run ${seconds.toFixed(1)} s. Baseline (a) is pgbench (reference), not a node loop. Goals are`,
      '  printed, never enforced. The PostgreSQL horizon is cluster-wide: a transaction open anywhere on',
      '  this server (e.g. tests running meanwhile) delays (d) and (e).',
    ],
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
