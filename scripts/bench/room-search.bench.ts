/**
 * Room search benchmark: `npm run bench:room-search`. A command, never a test: it prints the latency of
 * `SearchRooms` through gRPC over a seeded catalogue of 2,000 rooms with existing bookings ("rooms for 8
 * with a projector free 14:00–15:00 tomorrow in building A", and a few variants), after checking that
 * every answer equals a brute-force model of the seed, and what else was running. Goals are printed as
 * PASS/MISS; a miss never fails the process.
 *
 * The room service runs as its own process (the compiled output, started as `npm start` starts it) on a
 * fresh database, so the bench's clients and the service do not share an event loop. The catalogue is
 * the one `services/room/src/search.int.spec.ts` checks (`seed-catalogue.fixtures.ts`): rooms through
 * the service's own `RegisterRoom`/`UpdateRoom`/`RetireRoom`, bookings as `booking.events.v1` messages
 * shaped as the booking service's relay publishes them, plus `BENCH_BOOKINGS_AHEAD` confirmed bookings
 * per room on the following days as background.
 *
 * Environment: BENCH_DATABASE_URL (an account with CREATEDB; default the local roomledger server),
 * BENCH_KAFKA_BROKERS (default 127.0.0.1:9092), BENCH_SEARCH_CALLS (timed calls per query, default
 * 2,000), BENCH_BOOKINGS_AHEAD (default 3). It creates a fresh database and consumer group and drops
 * both at the end.
 */
import { cpus } from 'node:os';
import type { ServiceError } from '@grpc/grpc-js';
import { createKafka } from '@roomledger/messaging';
import { Pool } from 'pg';
import { pino } from 'pino';
import {
  expectedRooms,
  publishBookings,
  registerCatalogue,
  seedCatalogue,
  tomorrowIn,
  waitUntilSearchable,
  type RoomSearch,
  type SeededCatalogue,
} from '../../services/room/src/testing/seed-catalogue.fixtures';
import {
  BROKERS,
  fmt,
  ms,
  now,
  percentile,
  progress,
  type Row,
  cpuFigure,
  cpuSince,
  cpuSnapshot,
  deleteConsumerGroup,
  unaryClient,
  type UnaryClient,
  startServiceProcess,
  type ServiceProcess,
  runBench,
  step,
  type BenchSession,
  interruptedBy,
} from './bench-support';

let roomEventsTopic = 'room.events.v1';
let bookingEventsTopic = 'booking.events.v1';
const SERVICE_MAIN = 'dist/services/room/src/main.js';
const CALLS = Number(process.env.BENCH_SEARCH_CALLS ?? 2_000);
const WARM_UP_CALLS = Math.max(50, Math.round(CALLS / 10));
const CONCURRENCY = 8;
const BOOKINGS_AHEAD = Number(process.env.BENCH_BOOKINGS_AHEAD ?? 3);
const SEED_CONCURRENCY = 16;
const GOAL_P95_MS = 20;
const CALL_DEADLINE_MS = 10_000;
const READY_TIMEOUT_MS = 90_000;
const SEARCHABLE_TIMEOUT_MS = 300_000;

const logger = pino({ level: 'error' });
const member = { 'x-roomledger-user-id': 'bench-user', 'x-roomledger-roles': 'member' };

interface Query {
  label: string;
  search: RoomSearch;
  /** Page size; undefined: the service's default (50). */
  limit?: number;
  /** Calls in flight (default {@link CONCURRENCY}). */
  concurrency?: number;
  goal?: boolean;
}

async function main(session: BenchSession): Promise<void> {
  const { cleanup, db, runId } = session;
  const rows: Row[] = [];
  const pool = new Pool({ connectionString: db.url.toString(), max: 2 });
  cleanup.add(() => pool.end());

  const kafka = createKafka({ clientId: 'bench-room-search', brokers: BROKERS, logger });
  roomEventsTopic = session.topic('room.events.v1');
  bookingEventsTopic = session.topic('booking.events.v1');
  const groupId = `bench.room-search.${runId}`;
  cleanup.add(() => deleteConsumerGroup(groupId));

  step(`starting the room service (${SERVICE_MAIN}) on a fresh database ${db.name}`);
  const service = await startRoomService(db.url.toString(), groupId);
  cleanup.add(() => service.stop());
  const client = roomClient(service.grpcAddress);
  cleanup.add(async () => client.close());

  // (a) the seed
  const seedNow = Date.now();
  const catalogue = seedCatalogue({ runId, now: seedNow, bookingsAhead: BOOKINGS_AHEAD });
  const bookedRooms = new Set(catalogue.entries.map((entry) => entry.roomId)).size;
  step(
    `(a) seeding ${fmt(catalogue.rooms.length)} rooms through gRPC (${SEED_CONCURRENCY} at a time) and ` +
      `${fmt(catalogue.messages.length)} booking.events.v1 messages on ${fmt(bookedRooms)} rooms`,
  );
  const t0 = now();
  const [seeded] = await Promise.all([
    registerCatalogue((method, request, metadata) => client.call(method, request, metadata), catalogue, {
      concurrency: SEED_CONCURRENCY,
    }),
    publishBookings(kafka, catalogue, bookingEventsTopic),
  ]);
  const sentSeconds = (now() - t0) / 1000;
  step('(a) waiting until room_read holds every room and the busy intervals every booking message');
  const caughtUp = await waitUntilSearchable(pool, catalogue, {
    groupId,
    timeoutMs: SEARCHABLE_TIMEOUT_MS,
    progress: (line) => progress(`  ${line}`),
  });
  const searchableSeconds = (now() - t0) / 1000;
  rows.push({
    measure: `(a) seed: ${fmt(catalogue.rooms.length)} rooms via gRPC, ${SEED_CONCURRENCY} at a time`,
    figure: `${(seeded.registerMs / 1000).toFixed(1)} s`,
    detail: `${fmt(catalogue.rooms.length / (seeded.registerMs / 1000))} RegisterRoom/s; then ${catalogue.rooms.filter((room) => room.change).length} UpdateRoom ${(seeded.changeMs / 1000).toFixed(1)} s, ${catalogue.rooms.filter((room) => room.retired).length} RetireRoom ${(seeded.retireMs / 1000).toFixed(1)} s`,
    goal: 'reported',
    verdict: '',
  });
  rows.push({
    measure: `(a) ... and ${fmt(catalogue.messages.length)} booking messages, until searchable`,
    figure: `${searchableSeconds.toFixed(1)} s`,
    detail: `${fmt(catalogue.entries.length)} bookings/blocks on ${fmt(bookedRooms)} rooms (${BOOKINGS_AHEAD} ahead per room); sent ${sentSeconds.toFixed(1)} s, then room_read +${(caughtUp.roomsMs / 1000).toFixed(1)} s, busy intervals +${(caughtUp.bookingsMs / 1000).toFixed(1)} s`,
    goal: 'reported',
    verdict: '',
  });

  const projectorForEightInA: RoomSearch = {
    minCapacity: 8,
    amenities: ['projector'],
    building: 'A',
    ...tomorrowIn('A', '14:00', '15:00', seedNow),
  };
  const queries: Query[] = [
    {
      label: 'for 8, projector, building A, free 14:00–15:00 tomorrow (Europe/Berlin), 1 in flight',
      search: projectorForEightInA,
      concurrency: 1,
      goal: true,
    },
    {
      label: `... the same, ${CONCURRENCY} in flight`,
      search: projectorForEightInA,
      goal: true,
    },
    {
      label: `... the same, the whole answer in one page (limit 200), ${CONCURRENCY} in flight`,
      search: projectorForEightInA,
      limit: 200,
    },
    {
      label: 'for 20, any building, free 13:00–14:00 UTC tomorrow',
      search: { minCapacity: 20, ...tomorrowIn('E', '13:00', '14:00', seedNow) },
    },
    {
      label: 'step-free + whiteboard, building A, free 14:30–16:00 tomorrow',
      search: {
        accessibility: ['step_free'],
        amenities: ['whiteboard'],
        building: 'A',
        ...tomorrowIn('A', '14:30', '16:00', seedNow),
      },
    },
    {
      label: 'building D, floor 2, retired included, no time window',
      search: { building: 'D', floor: '2', includeRetired: true },
    },
  ];

  // (b) correctness first: a fast wrong answer is no answer
  step('(b) every query, all pages, against the brute-force model of the seed');
  const answers = await Promise.all(queries.map((query) => checkAnswer(client, catalogue, query)));
  const wrong = answers.filter((answer) => !answer.equal);
  rows.push({
    measure: '(b) answers equal the brute-force model (all pages)',
    figure: `${answers.length - wrong.length} of ${answers.length}`,
    detail: answers.map((answer) => `${answer.found}`).join(' / ') + ' rooms',
    goal: 'all',
    verdict: wrong.length === 0 ? 'PASS' : 'MISS',
  });

  // (c) latency
  let cpu: ReturnType<typeof cpuSince> | undefined;
  for (const [index, query] of queries.entries()) {
    const tag = `(c${index + 1})`;
    step(`${tag} ${query.label}: ${WARM_UP_CALLS} warm-up calls, then ${fmt(CALLS)}`);
    await searchLoad(client, service, query, WARM_UP_CALLS);
    const cpuBefore = cpuSnapshot(service.pid);
    const load = await searchLoad(client, service, query, CALLS);
    if (query.goal && query.concurrency === undefined) cpu = cpuSince(cpuBefore, service.pid);
    const answer = answers[index];
    rows.push({
      measure: `${tag} ${query.label}`,
      figure: `p95 ${ms(load.p95)}`,
      detail: `p50 ${ms(load.p50)} p99 ${ms(load.p99)}; ${fmt(load.rate)} calls/s; ${fmt(load.ok)} ok, ${fmt(load.failed)} failed; ${answer.firstPage} of ${answer.found} rooms a call`,
      goal: query.goal ? `p95 < ${GOAL_P95_MS} ms` : 'reported',
      verdict: query.goal ? (load.p95 < GOAL_P95_MS && load.failed === 0 ? 'PASS' : 'MISS') : '',
    });
  }

  const seconds = (now() - session.started) / 1000;
  session.printReport({
    title:
      'roomledger room search benchmark (gRPC SearchRooms to one room service process; 2,000 seeded rooms; one run, one fresh database)',
    rows,
    machineSection: '(d) what else was running',
    context: [
      `  room service: one process (pid ${service.pid}), ${SERVICE_MAIN} (build ${session.build}), LOG_LEVEL=warn,`,
      `    OTEL_SDK_DISABLED=true; clients: this process, one gRPC channel, ${CONCURRENCY} calls in flight unless said`,
      ...(cpu
        ? [
            `  CPU during (c2), ${cpu.wallSeconds.toFixed(1)} s x ${cpus().length} CPUs: machine busy ${cpuFigure(cpu.machine?.busy)} of ${cpuFigure(cpu.machine?.total)};`,
            `    room service ${cpuFigure(cpu.service)}, this bench's clients ${cpuFigure(cpu.bench)}, the rest PostgreSQL, Kafka and others (below)`,
          ]
        : []),
    ],
    notes: [
      `  whole run ${seconds.toFixed(1)} s. Latency is client-side, call to answer, over ${fmt(CALLS)} calls per query after`,
      `  ${WARM_UP_CALLS} warm-up calls; one call is one page (the service's default of 50 rooms unless a limit is shown).`,
      `  (c1) is what one search costs; with ${CONCURRENCY} in flight on ${cpus().length} CPUs that the clients, the service, PostgreSQL`,
      '  and Kafka share, latency is mostly waiting for a CPU: read (c2) on with the CPU line in (d).',
      '  "14:00–15:00 tomorrow in building A" is the wall clock of building A\'s zone (Europe/Berlin); each room\'s',
      "  bookings sit around tomorrow 14:00 on its own zone's clock. Goals are printed, never enforced. The seed",
      `  published to this run's own ${roomEventsTopic} and ${bookingEventsTopic}, deleted at the end.`,
    ],
  });
  if (wrong.length > 0) {
    for (const answer of wrong) progress(`MISS (b): ${answer.label}: ${answer.difference}`);
  }
}

// ---------------------------------------------------------------------------------------------------

interface Page {
  items: { id: string }[];
  nextCursor: string;
}

/** Walks every page of `query` and compares the rooms with the model's. */
async function checkAnswer(client: UnaryClient, catalogue: SeededCatalogue, query: Query) {
  const found: string[] = [];
  let cursor = '';
  let firstPage: number | undefined;
  do {
    const page = await client.call<Page>(
      'SearchRooms',
      { ...query.search, limit: query.limit, cursor },
      member,
    );
    firstPage ??= page.items.length;
    found.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor);
  const expected = new Set(expectedRooms(catalogue, query.search));
  const extra = found.filter((id) => !expected.has(id));
  const missing = [...expected].filter((id) => !found.includes(id));
  const duplicates = found.length - new Set(found).size;
  return {
    label: query.label,
    found: found.length,
    firstPage: firstPage ?? 0,
    equal: extra.length === 0 && missing.length === 0 && duplicates === 0,
    difference: `${extra.length} extra (${extra.slice(0, 3).join(', ')}), ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${duplicates} on two pages`,
  };
}

interface LoadResult {
  ok: number;
  failed: number;
  rate: number;
  p50: number;
  p95: number;
  p99: number;
}

/** `calls` first-page searches, `query.concurrency` in flight; latency per answered call. */
async function searchLoad(
  client: UnaryClient,
  service: ServiceProcess,
  query: Query,
  calls: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  let issued = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: query.concurrency ?? CONCURRENCY }, async () => {
      while (issued < calls && !service.exited() && !interruptedBy()) {
        issued += 1;
        const begin = now();
        try {
          await client.call('SearchRooms', { ...query.search, limit: query.limit }, member);
          latencies.push(now() - begin);
        } catch (error) {
          failed += 1;
          if (failed === 1)
            progress(`  a search failed: ${(error as ServiceError).message ?? String(error)}`);
        }
      }
    }),
  );
  const elapsed = (now() - t0) / 1000;
  if (service.exited()) throw new Error(`the room service exited during the run:\n${service.logs()}`);
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    failed,
    rate: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
  };
}

// ---------------------------------------------------------------------------------------------------

/** The room service as its own process, on this run's database, consumer group and feed topics. */
const startRoomService = (databaseUrl: string, groupId: string): Promise<ServiceProcess> =>
  startServiceProcess(
    'room',
    {
      DATABASE_URL: databaseUrl,
      BOOKING_EVENTS_GROUP_ID: groupId,
      ROOM_EVENTS_TOPIC: roomEventsTopic,
      BOOKING_EVENTS_TOPIC: bookingEventsTopic,
    },
    READY_TIMEOUT_MS,
  );

// ---------------------------------------------------------------------------------------------------

const roomClient = (address: string): UnaryClient =>
  unaryClient(address, 'roomledger/room/v1/room.proto', 'roomledger.room.v1.RoomService', CALL_DEADLINE_MS);

// ---------------------------------------------------------------------------------------------------

void runBench({ serviceMain: SERVICE_MAIN, feeds: ['room.events.v1', 'booking.events.v1'] }, main);
