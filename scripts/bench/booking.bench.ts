/**
 * Booking decision benchmark: `npm run bench:booking`. A command, never a test: it prints booking
 * decisions per second and their latency through gRPC, beside the raw PostgreSQL insert rate into a
 * table with an `EXCLUDE USING gist` constraint measured in the same run, and what else was running.
 * Goals are printed as PASS/MISS; a miss never fails the process.
 *
 * The booking service runs as its own process (the compiled output, started as `npm start` starts it),
 * so the bench's clients and the service do not share an event loop. Its rooms arrive as `npm start`'s
 * would: as `room.events.v1` messages.
 *
 * Environment: BENCH_DATABASE_URL (an account with CREATEDB; default the local roomledger server),
 * BENCH_KAFKA_BROKERS (default 127.0.0.1:9092), BENCH_SECONDS (per timed phase, default 10).
 * It creates a fresh database (and consumer group) and drops both at the end.
 */
import { cpus } from 'node:os';
import { createKafka } from '@roomledger/messaging';
import { pino } from 'pino';
import {
  BROKERS,
  fmt,
  ms,
  now,
  percentile,
  pgbench,
  progress,
  query,
  SECONDS,
  type Row,
  cpuFigure,
  cpuSince,
  cpuSnapshot,
  sleep,
  deleteConsumerGroup,
  unaryClient,
  type UnaryClient,
  startServiceProcess,
  type ServiceProcess,
  runBench,
  step,
  type BenchSession,
  ghzLoad,
  type GhzRun,
  roomEvent,
  SERVICE_V8_POOL_SIZE,
} from './bench-support';

const SERVICE_MAIN = 'dist/services/booking/src/main.js';
const BOOKING_PROTO = 'roomledger/booking/v1/booking.proto';
const CLIENTS = 16; // pgbench clients in (a) = gRPC clients in (b) and (c): the same concurrency
const ROOMS = 100;
const HOT_SECONDS = Math.ceil(SECONDS * 0.8);
const WARM_UP_SECONDS = 2;
// (b)'s hours start here, past any the warm-up could reach.
const UNCONTENDED_FIRST_HOUR = 100_000;
// Requests prepared per second of a phase: above any rate this machine reaches ((a) is ~8,000 tx/s).
const MAX_CALLS_PER_SECOND = 10_000;
const CALL_DEADLINE_MS = 10_000;
const READY_TIMEOUT_MS = 90_000;
/**
 * Booking service processes on the one database (`BOOKING_BENCH_INSTANCES`, default 1). The calls go to
 * the first; the others run beside it as a deployment's other instances do (standing by for the
 * projection and relay leases, expiring holds), so their cost shows in (d).
 */
const INSTANCES = instanceCount(process.env.BOOKING_BENCH_INSTANCES);
const ROOMS_TIMEOUT_MS = 120_000;
let roomEventsTopic = 'room.events.v1';
let bookingEventsTopic = 'booking.events.v1';

const logger = pino({ level: 'error' });
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// Slots start a year ahead, on an hour: far from today's bookings, inside an absent booking window.
const DAY0 = Math.ceil(Date.now() / DAY_MS) * DAY_MS + 365 * DAY_MS;
const slotStart = (hour: number): string => new Date(DAY0 + hour * HOUR_MS).toISOString();

async function main(session: BenchSession): Promise<void> {
  const { cleanup, db, runId } = session;
  const rows: Row[] = [];
  // (a) the raw floor
  step(
    `(a) pgbench: ${CLIENTS} clients, ${SECONDS} s, single-row insert into a table with EXCLUDE USING gist`,
  );
  const raw = await rawExcludeInserts(db.url);
  rows.push({
    measure: '(a) raw floor: pgbench INSERT, EXCLUDE USING gist',
    figure: `${fmt(raw.tps)} tx/s`,
    detail: `pgbench, ${CLIENTS} clients, ${SECONDS} s, avg ${raw.latencyMs.toFixed(2)} ms; ${fmt(raw.transactions)} inserts, ${(raw.conflicted * 100).toFixed(1)} % conflicted`,
    goal: 'reference',
    verdict: '',
  });

  // The service, its rooms, a client; this run's own feed topics
  roomEventsTopic = session.topic('room.events.v1');
  bookingEventsTopic = session.topic('booking.events.v1');
  const groupId = `bench.booking.${runId}`;
  cleanup.add(() => deleteConsumerGroup(groupId));
  step(`starting the booking service (${SERVICE_MAIN}) on a fresh database ${db.name}`);
  const service = await startBookingService(db.url.toString(), groupId);
  cleanup.add(() => service.stop());
  const peers: ServiceProcess[] = [];
  for (let n = 1; n < INSTANCES; n += 1) {
    const peer = await startBookingService(db.url.toString(), groupId);
    cleanup.add(() => peer.stop());
    peers.push(peer);
  }
  const client = bookingClient(service.grpcAddress);
  cleanup.add(async () => client.close());

  const rooms = Array.from({ length: ROOMS }, (_, index) => `bench-${runId}-${index}`);
  const hotRoom = `bench-${runId}-hot`;
  step(`registering ${ROOMS + 1} rooms through ${roomEventsTopic}`);
  await registerRooms([...rooms, hotRoom]);
  await waitForRooms(client, [...rooms, hotRoom], service);

  // Every call books an hour no other call asks for; each phase its own hours.
  const anyRoom = () => rooms[Math.floor(Math.random() * rooms.length)];

  step(`warm-up: ${WARM_UP_SECONDS} s of uncontended bookings (not counted)`);
  const warmUp = await bookingLoad(service, WARM_UP_SECONDS, anyRoom, 0).run();
  step(`warm-up: ${fmt(warmUp.ok)} bookings, ${outcomeSummary(warmUp)}`);

  // (b) uncontended
  step(`(b) uncontended: ${CLIENTS} clients, ${ROOMS} rooms, BookDirectly, ${SECONDS} s`);
  const uncontendedLoad = bookingLoad(service, SECONDS, anyRoom, UNCONTENDED_FIRST_HOUR);
  const cpuBefore = cpuSnapshot(service.pid);
  const peersBefore = peers.map((peer) => cpuSnapshot(peer.pid));
  const uncontended = await uncontendedLoad.run();
  const cpu = cpuSince(cpuBefore, service.pid);
  const peersCpu = peers.map((peer, n) => cpuSince(peersBefore[n], peer.pid).service);
  const share = uncontended.rate / raw.tps;
  rows.push({
    measure: `(b) uncontended: ${ROOMS} rooms, ${CLIENTS} clients, BookDirectly`,
    figure: `${fmt(uncontended.rate)} decisions/s`,
    detail: `p50 ${ms(uncontended.p50)} p95 ${ms(uncontended.p95)} p99 ${ms(uncontended.p99)}; ${fmt(uncontended.ok)} booked, ${outcomeSummary(uncontended)}`,
    goal: '>= 1,000/s',
    verdict: uncontended.rate >= 1_000 ? 'PASS' : 'MISS',
  });
  rows.push({
    measure: '(b) ... as a share of the raw floor (a)',
    figure: `${(share * 100).toFixed(1)} %`,
    detail: '',
    goal: '>= 25 %',
    verdict: share >= 0.25 ? 'PASS' : 'MISS',
  });
  rows.push({
    measure: '(b) ... p99 latency',
    figure: ms(uncontended.p99),
    detail: 'client-side, call to answer',
    goal: '< 50 ms',
    verdict: uncontended.p99 < 50 ? 'PASS' : 'MISS',
  });

  // (c) one hot room
  step(`(c) hot room: ${CLIENTS} clients, one room, each booking a different free slot, ${HOT_SECONDS} s`);
  const conflictsBefore = await conflictCount(service.httpUrl);
  const hot = await bookingLoad(service, HOT_SECONDS, () => hotRoom, 0).run();
  const conflicts = (await conflictCount(service.httpUrl)) - conflictsBefore;
  rows.push({
    measure: `(c) one hot room, ${CLIENTS} clients, different free slots`,
    figure: `${fmt(hot.rate)} decisions/s`,
    detail: `p50 ${ms(hot.p50)} p95 ${ms(hot.p95)} p99 ${ms(hot.p99)}; ${fmt(hot.ok)} booked, ${outcomeSummary(hot)}; booking_decision_conflicts_total +${Number.isNaN(conflicts) ? 'n/a' : fmt(conflicts)}`,
    goal: '>= 200/s',
    verdict: hot.rate >= 200 ? 'PASS' : 'MISS',
  });
  rows.push({
    measure: '(c) ... internal errors (gRPC INTERNAL/UNKNOWN)',
    figure: String(hot.internal),
    detail: '',
    goal: '= 0',
    verdict: hot.internal === 0 ? 'PASS' : 'MISS',
  });

  const seconds = (now() - session.started) / 1000;
  session.printReport({
    title:
      'roomledger booking decision benchmark (gRPC to one booking service process; one run, one fresh database on the same server)',
    rows,
    machineSection: '(d) what else was running',
    context: [
      `  booking service: ${INSTANCES === 1 ? 'one process' : `${INSTANCES} processes, the calls to the first`} (pid ${[service, ...peers].map((p) => p.pid).join(', ')}), ${SERVICE_MAIN} (build ${session.build}), LOG_LEVEL=warn,`,
      `    OTEL_SDK_DISABLED=true, EVENT_STORE_POOL_SIZE=${service.env.EVENT_STORE_POOL_SIZE ?? 'default'}, --v8-pool-size=${SERVICE_V8_POOL_SIZE};`,
      `  clients: ghz (${CLIENTS} workers, one HTTP/2 connection), as pgbench is (a)'s: a compiled load generator`,
      `  CPU during (b), ${cpu.wallSeconds.toFixed(1)} s x ${cpus().length} CPUs: machine busy ${cpuFigure(cpu.machine?.busy)} of ${cpuFigure(cpu.machine?.total)};`,
      `    booking service ${cpuFigure(cpu.service)}${peersCpu.map((seconds) => ` (+ another instance ${cpuFigure(seconds)})`).join('')}, ghz ${cpuFigure(uncontended.clientCpu)}, this bench process ${cpuFigure(cpu.bench)},`,
      `    the rest PostgreSQL, Kafka and others (below)`,
    ],
    notes: [
      `  whole run ${seconds.toFixed(1)} s. Baseline (a) is pgbench (reference), not a node loop. Goals are`,
      '  printed, never enforced. A decision counts when BookDirectly answered OK; refusals and errors are',
      `  counted beside it. (b) followed a ${WARM_UP_SECONDS} s warm-up. The service's relay published the bookings to`,
      `  this run's own ${bookingEventsTopic} (deleted at the end). Clients, service, PostgreSQL and Kafka share these CPUs.`,
    ],
  });
}

// ---------------------------------------------------------------------------------------------------

function instanceCount(value: string | undefined): number {
  const count = Number(value ?? 1);
  if (!Number.isInteger(count) || count < 1 || count > 4) {
    throw new Error(`BOOKING_BENCH_INSTANCES must be an integer from 1 to 4, not ${value}`);
  }
  return count;
}

async function rawExcludeInserts(url: URL) {
  await query(url.toString(), 'create extension if not exists btree_gist');
  await query(
    url.toString(),
    `create table raw_bookings (id bigserial primary key, room_id int not null, period tstzrange not null,
       exclude using gist (room_id with =, period with &&))`,
  );
  // Each client walks forward through hours of its own (a million apart), so no insert should overlap
  // another; one that did would insert nothing (ON CONFLICT DO NOTHING covers exclusion constraints).
  const result = pgbench({
    url,
    clients: CLIENTS,
    seconds: SECONDS,
    defines: { n: '0' },
    script:
      '\\set n :n + 1\n' +
      `\\set room random(1, ${ROOMS})\n` +
      '\\set h :client_id * 1000000 + :n\n' +
      "insert into raw_bookings (room_id, period) values (:room, tstzrange(timestamptz '2100-01-01 00:00Z' + make_interval(hours => :h), timestamptz '2100-01-01 00:00Z' + make_interval(hours => :h + 1))) on conflict do nothing;\n",
  });
  const [{ n: inserted }] = await query<{ n: number }>(
    url.toString(),
    'select count(*)::int as n from raw_bookings',
  );
  const conflicted = result.transactions > 0 ? Math.max(0, 1 - inserted / result.transactions) : 0;
  return { ...result, conflicted };
}

// ---------------------------------------------------------------------------------------------------

/** The booking service as its own process, on this run's database, consumer group and feed topics. */
const startBookingService = (databaseUrl: string, groupId: string): Promise<ServiceProcess> =>
  startServiceProcess(
    'booking',
    {
      DATABASE_URL: databaseUrl,
      ROOM_EVENTS_GROUP_ID: groupId,
      ROOM_EVENTS_TOPIC: roomEventsTopic,
      BOOKING_EVENTS_TOPIC: bookingEventsTopic,
    },
    READY_TIMEOUT_MS,
  );

/** `booking_decision_conflicts_total` from the service's /metrics: decisions re-made after losing a race. */
async function conflictCount(httpUrl: string): Promise<number> {
  try {
    const response = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const samples = (await response.text())
      .split('\n')
      .filter((line) => /^booking_decision_conflicts_total[ {]/.test(line))
      .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
    return samples.length === 0 ? NaN : samples.reduce((sum, value) => sum + value, 0);
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------------

async function registerRooms(roomIds: string[]): Promise<void> {
  const producer = createKafka({ clientId: 'bench-booking', brokers: BROKERS, logger }).producer();
  await producer.connect();
  try {
    await producer.send({ topic: roomEventsTopic, messages: roomIds.map((roomId) => roomEvent(roomId)) });
  } finally {
    await producer.disconnect();
  }
}

/** Until GetRoomAvailability answers for every room: the service has applied each room's policy. */
async function waitForRooms(client: UnaryClient, roomIds: string[], service: ServiceProcess): Promise<void> {
  const pending = new Set(roomIds);
  const t0 = now();
  let reported = t0;
  while (pending.size > 0) {
    await Promise.all(
      [...pending].map((roomId) =>
        client
          .call('GetRoomAvailability', { roomId, from: slotStart(0), to: slotStart(1) }, actor('bench-setup'))
          .then(
            () => pending.delete(roomId),
            () => undefined,
          ),
      ),
    );
    if (pending.size === 0) break;
    if (service.exited()) throw new Error(`the booking service exited:\n${service.logs()}`);
    if (now() - t0 > ROOMS_TIMEOUT_MS) {
      throw new Error(
        `${pending.size} of ${roomIds.length} rooms still unknown to the booking service after ${ROOMS_TIMEOUT_MS / 1000} s:\n${service.logs()}`,
      );
    }
    if (now() - reported > 5_000) {
      reported = now();
      progress(`  ${roomIds.length - pending.size} of ${roomIds.length} rooms known`);
    }
    await sleep(250);
  }
  progress(`  all ${roomIds.length} rooms known after ${((now() - t0) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------------

interface LoadResult {
  ok: number;
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  /** Calls that did not answer OK, by gRPC status name (a taken slot is FailedPrecondition, ...). */
  notOk: Map<string, number>;
  /** gRPC INTERNAL or UNKNOWN. */
  internal: number;
  /** CPU seconds of the load generator (ghz). */
  clientCpu: number;
  /** The most frequent error message, if any call failed. */
  topError?: string;
}

/**
 * `CLIENTS` workers (ghz), each booking one hour after another for `seconds`: call n books hour
 * `firstHour + n` (a slot no other call asks for) in the room `room(n)` names.
 */
function bookingLoad(
  service: ServiceProcess,
  seconds: number,
  room: (call: number) => string,
  firstHour: number,
): { run(): Promise<LoadResult> } {
  // More requests than any run here can send (a call per request; were it to wrap, the repeats would
  // be refused as taken slots and show as not OK).
  const requests = Array.from({ length: seconds * MAX_CALLS_PER_SECOND }, (_, call) => ({
    roomId: room(call),
    start: slotStart(firstHour + call),
    end: slotStart(firstHour + call + 1),
    title: 'bench',
  }));
  const load = ghzLoad({
    address: service.grpcAddress,
    protoFile: BOOKING_PROTO,
    method: 'roomledger.booking.v1.BookingService/BookDirectly',
    concurrency: CLIENTS,
    seconds,
    deadlineMs: CALL_DEADLINE_MS,
    requests,
    metadata: actor('bench-user'),
  });
  return { run: async () => loadResult(service, await load.run()) };
}

function loadResult(service: ServiceProcess, run: GhzRun): LoadResult {
  if (service.exited()) throw new Error(`the booking service exited during the run:\n${service.logs()}`);
  const notOk = new Map([...run.byStatus].filter(([status]) => status !== 'OK'));
  const latencies = run.okLatencies;
  return {
    ok: latencies.length,
    rate: latencies.length / run.seconds,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    notOk,
    internal: (notOk.get('Internal') ?? 0) + (notOk.get('Unknown') ?? 0),
    clientCpu: run.cpuSeconds,
    topError: [...run.errors].sort((a, b) => b[1] - a[1])[0]?.[0],
  };
}

function outcomeSummary(result: LoadResult): string {
  const notOk = [...result.notOk].map(([status, count]) => `${fmt(count)} ${status}`).join(', ');
  const error = result.topError === undefined ? '' : ` (most often: ${result.topError.slice(0, 120)})`;
  return `not OK ${notOk || '0'}, internal ${result.internal}${error}`;
}

const actor = (userId: string) => ({ 'x-roomledger-user-id': userId, 'x-roomledger-roles': 'member' });

// ---------------------------------------------------------------------------------------------------

const bookingClient = (address: string): UnaryClient =>
  unaryClient(address, BOOKING_PROTO, 'roomledger.booking.v1.BookingService', CALL_DEADLINE_MS);

// ---------------------------------------------------------------------------------------------------

void runBench({ serviceMain: SERVICE_MAIN, feeds: ['room.events.v1', 'booking.events.v1'] }, main);
