/**
 * Measures append throughput of the PostgreSQL event store beside a raw single-row insert baseline,
 * on a scratch database it creates and drops. Not a test: numbers depend on the machine.
 *
 *   npx tsx libs/shared/event-store-postgres/scripts/measure-append-rate.ts [seconds] [writers...]
 *
 * ROOMLEDGER_TEST_DATABASE_URL (default: the local stack's) must allow CREATE DATABASE.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { prepareAppend } from '@roomledger/event-store';
import { Client, Pool } from 'pg';
import { appendEvents } from '../src/append';
import { PostgresEventStore } from '../src/postgres-event-store';

const adminUrl =
  process.env.ROOMLEDGER_TEST_DATABASE_URL ?? 'postgres://roomledger:roomledger@127.0.0.1:5432/roomledger';
const seconds = Number(process.argv[2] ?? 10);
const writerCounts = process.argv.slice(3).map(Number);
const STREAMS_PER_WRITER = 500;

async function main(): Promise<void> {
  const name = `rl_append_rate_${Date.now().toString(36)}`;
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    console.log(
      `cpus=${cpus().length} load=${loadavg()
        .map((l) => l.toFixed(2))
        .join(',')} duration=${seconds}s`,
    );
    for (const writers of writerCounts.length > 0 ? writerCounts : [8, 16]) {
      const store = await PostgresEventStore.create({ connectionString: url.toString(), poolSize: writers });
      const silent = await PostgresEventStore.create({
        connectionString: url.toString(),
        poolSize: writers,
        notifyCoalesceMs: -1,
      });
      const raw = new Pool({ connectionString: url.toString(), max: writers });
      await raw.query(`create table if not exists raw_inserts (id bigint generated always as identity primary key,
        stream_name text not null, data jsonb not null, metadata jsonb not null)`);
      const payload = JSON.stringify({
        roomId: randomUUID(),
        start: '2030-01-01T09:00:00Z',
        end: '2030-01-01T10:00:00Z',
      });

      const baseline = await run(writers, async () => {
        await raw.query('insert into raw_inserts (stream_name, data, metadata) values ($1, $2, $3)', [
          `roomSchedule-${randomUUID()}`,
          payload,
          '{}',
        ]);
      });
      const appends = await run(
        writers,
        appender((stream, expected) =>
          store.append(stream, [{ eventId: randomUUID(), type: 'HoldPlaced', data: JSON.parse(payload) }], {
            expected,
          }),
        ),
      );
      const withoutNotify = await run(
        writers,
        appender((stream, expected) =>
          silent.append(stream, [{ eventId: randomUUID(), type: 'HoldPlaced', data: JSON.parse(payload) }], {
            expected,
          }),
        ),
      );
      const notifying = await run(
        writers,
        appender((stream, expected) => {
          const events = prepareAppend(
            stream,
            [{ eventId: randomUUID(), type: 'HoldPlaced', data: JSON.parse(payload) }],
            expected,
          );
          return appendEvents(notifyingPool(raw), 'event_store', stream, events, expected);
        }),
      );
      console.log(
        `writers=${writers} raw_insert=${baseline.toFixed(0)}/s append=${appends.toFixed(0)}/s (${((appends / baseline) * 100).toFixed(0)}% of raw)` +
          ` append_without_notify=${withoutNotify.toFixed(0)}/s append+pg_notify_in_txn=${notifying.toFixed(0)}/s`,
      );
      await raw.end();
      await store.close();
      await silent.close();
    }
  } finally {
    await admin(`drop database if exists ${name} with (force)`);
  }
}

/** Each writer appends one event at a time to its own streams, round robin, tracking revisions. */
function appender(
  append: (stream: string, expected: 'no_stream' | bigint) => Promise<{ nextExpectedRevision: bigint }>,
) {
  const run = randomUUID().slice(0, 8);
  return (writer: number, iteration: number) => {
    const index = iteration % STREAMS_PER_WRITER;
    const round = Math.floor(iteration / STREAMS_PER_WRITER);
    return append(`roomSchedule-${run}w${writer}s${index}`, round === 0 ? 'no_stream' : BigInt(round - 1));
  };
}

/** The same append statement with a NOTIFY in its transaction: what the store deliberately does not do. */
function notifyingPool(pool: Pool) {
  return {
    query: <R extends Record<string, unknown>>(config: { text: string; values?: unknown[] }) =>
      pool.query<R>({
        text: config.text.replace('select *', "select *, pg_notify('measure', '') as notified"),
        values: config.values,
      }),
  };
}

async function run(
  writers: number,
  work: (writer: number, iteration: number) => Promise<unknown>,
): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let iteration = 0; Date.now() < deadline; iteration++) {
        await work(writer, iteration);
        done += 1;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
