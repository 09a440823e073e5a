/**
 * Meetings benchmark: `npm run bench:meetings`. A command, never a test: it prints
 *
 * - (b) the scheduling assistant's latency (`FindTimes` through gRPC): 20 attendees, 5 working days,
 *   with 10,000 meetings in the read models, beside (a) the raw PostgreSQL query of those 20 calendars
 *   measured in the same run on the same data;
 * - (d) the time to check and book a 52-occurrence weekly series with a room (`ScheduleMeeting`: the
 *   attendees' calendars checked, every occurrence decided in one `BookSeries` append, the meeting
 *   recorded), beside (c) a raw single-transaction insert of 52 rows into an exclusion-constrained table.
 *
 * Goals are printed as PASS/MISS; a miss never fails the process.
 *
 * The booking service runs as its own process (the compiled output, started as `npm start` starts it)
 * on a fresh database and this run's own feed topics; rooms and people arrive as they would in
 * production, through `room.events.v1` and `user.events.v1`.
 *
 * Environment: BENCH_DATABASE_URL (an account with CREATEDB; default the local roomledger server),
 * BENCH_KAFKA_BROKERS (default 127.0.0.1:9092), BENCH_MEETINGS (default 10000), BENCH_SAMPLES (FindTimes
 * calls measured, default 200), BENCH_SERIES (series booked, default 20).
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { createKafka } from '@roomledger/messaging';
import { Client } from 'pg';
import { pino } from 'pino';
import { Temporal } from 'temporal-polyfill';
import {
  BROKERS,
  cpuFigure,
  cpuSince,
  cpuSnapshot,
  fmt,
  ms,
  now,
  percentile,
  progress,
  sleep,
  startBenchBookingService,
  unaryClient,
  type Row,
  runBench,
  step,
  type BenchSession,
  interruptedBy,
  throwIfInterrupted,
  roomEvent,
} from './bench-support';

const SERVICE_MAIN = 'dist/services/booking/src/main.js';
const MEETINGS = Number(process.env.BENCH_MEETINGS ?? 10_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const SERIES = Number(process.env.BENCH_SERIES ?? 20);
const USERS = 200;
const ATTENDEES = 20;
const SEED_CONCURRENCY = 16;
const WARM_UP = 20;
const CALL_DEADLINE_MS = 30_000;
const ZONE = 'Europe/Berlin';
const SEEDED_WEEKS = 10;
/** The measured week (of the ten seeded). */
const MEASURED_WEEK = 3;
const logger = pino({ level: 'error' });

// The measured week: Monday to Friday, four weeks ahead (inside every window, past any notice).
const today = Temporal.Now.plainDateISO('UTC');
const monday = today.add({ days: 28 + ((8 - today.add({ days: 28 }).dayOfWeek) % 7) });
const at = (days: number, time: string) =>
  monday
    .add({ days })
    .toPlainDateTime(Temporal.PlainTime.from(time))
    .toZonedDateTime(ZONE)
    .toInstant()
    .toString({ smallestUnit: 'second' });
const plus = (instant: string, minutes: number) =>
  Temporal.Instant.from(instant).add({ minutes }).toString({ smallestUnit: 'second' });

async function main(session: BenchSession): Promise<void> {
  const { cleanup, db, runId } = session;
  const rows: Row[] = [];
  step(`starting the booking service (${SERVICE_MAIN}) on a fresh database ${db.name}`);
  const service = await startBenchBookingService(session, db.url.toString(), 90_000);
  const meetings = unaryClient(
    service.grpcAddress,
    'roomledger/meeting/v1/meeting.proto',
    'roomledger.meeting.v1.MeetingService',
    CALL_DEADLINE_MS,
  );
  const scheduling = unaryClient(
    service.grpcAddress,
    'roomledger/scheduling/v1/scheduling.proto',
    'roomledger.scheduling.v1.SchedulingService',
    CALL_DEADLINE_MS,
  );
  const bookings = unaryClient(
    service.grpcAddress,
    'roomledger/booking/v1/booking.proto',
    'roomledger.booking.v1.BookingService',
    CALL_DEADLINE_MS,
  );
  cleanup.add(async () => [meetings, scheduling, bookings].forEach((client) => client.close()));

  // People and rooms, through the feeds.
  const users = Array.from({ length: USERS }, () => randomUUID());
  const seriesRooms = Array.from({ length: SERIES + 3 }, (_, i) => `bench-${runId}-series-${i}`);
  step(`publishing ${USERS} users and ${seriesRooms.length} rooms to this run's feeds`);
  await publish(session.topic('user.events.v1'), users.map(userEvent));
  await publish(
    session.topic('room.events.v1'),
    seriesRooms.map((roomId) => roomEvent(roomId, { timeZone: ZONE, amenities: ['display'] })),
  );
  await waitFor('rooms and profiles', 120_000, async () => {
    for (const roomId of seriesRooms)
      await bookings.call(
        'GetRoomAvailability',
        { roomId, from: at(0, '00:00'), to: at(0, '01:00') },
        caller(users[0]),
      );
    const [{ n }] = await sql<{ n: number }>(
      db.url,
      'select count(*)::int as n from booking_directory.user_profiles',
    );
    return n === USERS;
  });

  // 10,000 meetings: most in the measured week's working hours, some around it, a few weekly series.
  step(`seeding ${fmt(MEETINGS)} meetings through ScheduleMeeting (${SEED_CONCURRENCY} clients)`);
  const seedStarted = now();
  let seeded = 0;
  let seedErrors = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      for (let index = next++; index < MEETINGS; index = next++) {
        if (interruptedBy()) return;
        await meetings
          .call('ScheduleMeeting', seedMeeting(index, users), caller(users[index % USERS]))
          .then(() => (seeded += 1))
          .catch(() => (seedErrors += 1));
      }
    }),
  );
  const seedSeconds = (now() - seedStarted) / 1000;
  await waitFor('the read models', 300_000, async () => {
    const [{ n }] = await sql<{ n: number }>(db.url, 'select count(*)::int as n from booking_read.meetings');
    return n >= seeded;
  });
  const [{ entries }] = await sql<{ entries: number }>(
    db.url,
    'select count(*)::int as entries from booking_read.calendar_entries',
  );
  progress(
    `seeded ${fmt(seeded)} meetings (${seedErrors} refused) in ${seedSeconds.toFixed(1)} s; ${fmt(entries)} calendar rows`,
  );

  // (a) the raw floor: the 20 calendars' rows of the week, one query, straight from PostgreSQL.
  const sample = (): string[] => shuffle(users).slice(0, ATTENDEES);
  const window = { from: at(7 * MEASURED_WEEK, '00:00'), to: at(7 * MEASURED_WEEK + 5, '00:00') };
  step(`(a) raw: the calendar rows of ${ATTENDEES} people over 5 days, ${SAMPLES} queries`);
  const raw = await rawCalendarQueries(db.url, sample, window);
  rows.push({
    measure: `(a) raw floor: ${ATTENDEES} calendars x 5 days, one SQL query`,
    figure: `p50 ${ms(raw.p50)}`,
    detail: `p95 ${ms(raw.p95)}; GiST (user_id, period), lateral per person, ~${fmt(raw.rows)} rows per query`,
    goal: 'reference',
    verdict: '',
  });

  // (b) FindTimes through gRPC.
  step(
    `(b) FindTimes: ${ATTENDEES} attendees, 5 working days, 60 min, ${WARM_UP} warm-up + ${SAMPLES} calls`,
  );
  const findTimes = (attendees: string[]) =>
    scheduling.call<{ candidates: unknown[]; reason: string }>(
      'FindTimes',
      {
        requiredAttendees: attendees.slice(0, 5),
        optionalAttendees: attendees.slice(5),
        excludeCaller: true,
        durationMinutes: 60,
        from: window.from,
        to: window.to,
        minAttendeeShare: 0.5,
        maxCandidates: 10,
      },
      caller(attendees[0]),
    );
  for (let i = 0; i < WARM_UP; i++) await findTimes(sample());
  const cpuBefore = cpuSnapshot(service.pid);
  const latencies: number[] = [];
  let found = 0;
  for (let i = 0; i < SAMPLES && !interruptedBy(); i++) {
    const t0 = now();
    const answer = await findTimes(sample());
    latencies.push(now() - t0);
    if (answer.candidates.length > 0) found += 1;
  }
  const cpu = cpuSince(cpuBefore, service.pid);
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 0.5);
  const p95 = percentile(latencies, 0.95);
  rows.push({
    measure: `(b) FindTimes, ${ATTENDEES} attendees x 5 days, ${fmt(seeded)} meetings`,
    figure: `p95 ${ms(p95)}`,
    detail: `p50 ${ms(p50)} p99 ${ms(percentile(latencies, 0.99))} max ${ms(latencies[latencies.length - 1])}; ${found}/${latencies.length} found times; sequential calls`,
    goal: 'p95 < 50 ms',
    verdict: p95 < 50 ? 'PASS' : 'MISS',
  });

  // (c) the raw floor of a series: 52 rows, one transaction, exclusion constraint.
  step('(c) raw: 52 rows in one transaction into a table with EXCLUDE USING gist, 20 times');
  const rawSeries = await rawSeriesInserts(db.url);
  rows.push({
    measure: '(c) raw floor: 52-row insert, EXCLUDE USING gist, one transaction',
    figure: `p50 ${ms(rawSeries.p50)}`,
    detail: `p95 ${ms(rawSeries.p95)}`,
    goal: 'reference',
    verdict: '',
  });

  // (d) 52-week series with a room through ScheduleMeeting.
  step(`(d) ScheduleMeeting: weekly x 52 with a room and 5 attendees, 3 warm-up + ${SERIES} series`);
  const series = async (roomId: string) => {
    const attendees = sample().slice(0, 5);
    // Early in the morning of the first week: all 52 weeks inside the calendar horizon (400 days).
    const start = at(0, '06:00');
    const t0 = now();
    const reply = await meetings.call<{ room: { booked: number } }>(
      'ScheduleMeeting',
      {
        title: 'Weekly sync',
        attendees: attendees.slice(1).map((userId) => ({ userId })),
        roomId,
        start,
        end: plus(start, 45),
        timeZone: ZONE,
        recurrence: { rule: { frequency: 'weekly', count: 52 } },
        onConflict: 'all-or-nothing',
      },
      caller(attendees[0]),
    );
    return { ms: now() - t0, booked: reply.room.booked };
  };
  for (const roomId of seriesRooms.slice(0, 3)) await series(roomId);
  const seriesTimes: number[] = [];
  let booked52 = 0;
  for (const roomId of seriesRooms.slice(3)) {
    if (interruptedBy()) break;
    const result = await series(roomId);
    seriesTimes.push(result.ms);
    if (result.booked === 52) booked52 += 1;
  }
  seriesTimes.sort((a, b) => a - b);
  const seriesP50 = percentile(seriesTimes, 0.5);
  const seriesP95 = percentile(seriesTimes, 0.95);
  rows.push({
    measure: '(d) check and book a weekly series x 52 with a room (ScheduleMeeting)',
    figure: `p50 ${ms(seriesP50)}`,
    detail: `p95 ${ms(seriesP95)} max ${ms(seriesTimes[seriesTimes.length - 1])}; ${booked52}/${seriesTimes.length} booked all 52 in one BookSeries append; calendars of 5 attendees checked`,
    goal: '< 100 ms',
    verdict: seriesP50 < 100 ? 'PASS' : 'MISS',
  });
  rows.push({
    measure: '(d) ... p95',
    figure: ms(seriesP95),
    detail: '',
    goal: '< 100 ms',
    verdict: seriesP95 < 100 ? 'PASS' : 'MISS',
  });

  session.printReport({
    title:
      'roomledger meetings benchmark (gRPC to one booking service process; one run, one fresh database on the same server)',
    rows,
    machineSection: '(e) what else was running',
    context: [
      `  booking service: one process (pid ${service.pid}), ${SERVICE_MAIN} (build ${session.build}), LOG_LEVEL=warn, OTEL_SDK_DISABLED=true`,
      `  read models: ${fmt(seeded)} meetings over ${SEEDED_WEEKS} weeks (${USERS} people, 3-8 attendees each, 5 % weekly series x 10),`,
      `    ${fmt(entries)} calendar rows; the measured week is the ${MEASURED_WEEK + 1}th`,
      `    seeded through gRPC in ${seedSeconds.toFixed(1)} s (${fmt(seeded / seedSeconds)}/s, ${SEED_CONCURRENCY} clients)`,
      `  CPU during (b), ${cpu.wallSeconds.toFixed(1)} s x ${cpus().length} CPUs: machine busy ${cpuFigure(cpu.machine?.busy)} of ${cpuFigure(cpu.machine?.total)};`,
      `    booking service ${cpuFigure(cpu.service)}, this bench ${cpuFigure(cpu.bench)}`,
    ],
    notes: [
      `  whole run ${((now() - session.started) / 1000).toFixed(1)} s. Latencies are client-side, call to answer, one call at a time.`,
      "  (b) reads each attendee's calendar rows (GiST range scan per person), profiles (zone, working hours),",
      "  and sweeps the 15-minute grid (domain findTimes). (d) includes the attendees' calendar check over the",
      '  year, the room policy, one BookSeries decision (52 BookingConfirmed in one append) and the meeting append.',
      '  Goals are printed, never enforced.',
    ],
  });
}

// ---------------------------------------------------------------------------------------------------

const caller = (userId: string) => ({ 'x-roomledger-user-id': userId, 'x-roomledger-roles': 'member' });

function shuffle<T>(list: readonly T[]): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * Meeting `index`: in working hours on the weekdays of ten weeks (about 1,000 a week, so each person has
 * some 25 meetings in the measured week, the third), 5 % of them weekly series.
 */
function seedMeeting(index: number, users: readonly string[]) {
  const organizer = users[index % users.length];
  const others = shuffle(users.filter((u) => u !== organizer)).slice(0, 2 + (index % 6));
  const roll = index % 20;
  const week = Math.floor(index / 7) % SEEDED_WEEKS;
  const day = 7 * week + (index % 5);
  const hour = 8 + (index % 9);
  const minute = [0, 15, 30, 45][index % 4];
  const start = at(day, `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`);
  return {
    title: `Meeting ${index}`,
    attendees: others.map((userId) => ({ userId })),
    start,
    end: plus(start, [30, 45, 60][index % 3]),
    timeZone: ZONE,
    ...(roll === 18 ? { recurrence: { rule: { frequency: 'weekly', count: 10 } } } : {}),
  };
}

async function rawCalendarQueries(url: URL, sample: () => string[], window: { from: string; to: string }) {
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const times: number[] = [];
    let rowsSeen = 0;
    for (let i = 0; i < WARM_UP + SAMPLES; i++) {
      const t0 = now();
      const result = await client.query(
        `select c.* from unnest($1::text[]) as u(user_id)
           cross join lateral (select user_id, start_at, end_at, response from booking_read.calendar_entries c
             where c.user_id = u.user_id and c.period && tstzrange($2::timestamptz, $3::timestamptz, '[)')
               and c.response <> 'declined') c`,
        [sample(), window.from, window.to],
      );
      if (i >= WARM_UP) {
        times.push(now() - t0);
        rowsSeen += result.rowCount ?? 0;
      }
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), rows: rowsSeen / SAMPLES };
  } finally {
    await client.end();
  }
}

async function rawSeriesInserts(url: URL) {
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query('create extension if not exists btree_gist');
    await client.query(
      `create table raw_series (id uuid primary key, room_id int not null, period tstzrange not null,
         exclude using gist (room_id with =, period with &&))`,
    );
    const times: number[] = [];
    for (let room = 0; room < 23; room++) {
      const t0 = now();
      await client.query('begin');
      await client.query(
        `insert into raw_series (id, room_id, period)
           select gen_random_uuid(), $1, tstzrange(t, t + interval '45 minutes')
             from generate_series($2::timestamptz, $2::timestamptz + interval '51 weeks', interval '1 week') t`,
        [room, at(0, '07:00')],
      );
      await client.query('commit');
      if (room >= 3) times.push(now() - t0);
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
  } finally {
    await client.end();
  }
}

async function sql<R extends Record<string, unknown>>(url: URL, text: string): Promise<R[]> {
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

async function waitFor(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = now() + timeoutMs;
  for (;;) {
    throwIfInterrupted();
    const ok = await done().catch(() => false);
    if (ok) return;
    if (now() > deadline) throw new Error(`${what} not ready within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

async function publish(
  topic: string,
  messages: { key: string; headers: Record<string, string>; value: string }[],
) {
  const producer = createKafka({ clientId: 'bench-meetings', brokers: BROKERS, logger }).producer();
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500)
      await producer.send({ topic, messages: messages.slice(i, i + 500) });
  } finally {
    await producer.disconnect();
  }
}

function headers(type: string, source: string, subject: string) {
  return {
    ce_specversion: '1.0',
    ce_id: randomUUID(),
    ce_type: type,
    ce_source: source,
    ce_time: new Date().toISOString(),
    ce_subject: subject,
    'content-type': 'application/json',
  };
}

function userEvent(userId: string, index: number) {
  const workingHours = ['mon', 'tue', 'wed', 'thu', 'fri'].map((weekday) => ({
    weekday,
    start: '08:00',
    end: '18:00',
  }));
  return {
    key: userId,
    headers: headers('roomledger.user.registered.v1', '/roomledger/user', userId),
    value: JSON.stringify({
      userId,
      version: 1,
      occurredAt: new Date().toISOString(),
      email: `bench-${index}@example.org`,
      name: `Bench person ${index}`,
      timeZone: index % 10 === 0 ? 'Europe/London' : ZONE,
      workingHours,
      roles: ['member'],
      preferences: { channels: ['email'], reminderOffsetsMinutes: [] },
      deactivated: false,
    }),
  };
}

void runBench(
  {
    serviceMain: SERVICE_MAIN,
    feeds: ['room.events.v1', 'booking.events.v1', 'meeting.events.v1', 'user.events.v1'],
  },
  main,
);
