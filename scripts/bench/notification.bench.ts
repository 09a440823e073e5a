/**
 * Notification latency benchmark: `npm run bench:notification`. A command, never a test: it produces
 * booking confirmations at a steady rate (default 50 events/s for 20 s) and prints how long each took
 * from being produced to its e-mail reaching the SMTP server (MailDev), p50/p95/p99, beside the raw cost
 * of handing a message to that server, and what else was running. The goal (p95 < 1 s) is printed as
 * PASS/MISS; a miss never fails the process.
 *
 * The notification service runs as its own process (the compiled output, started as `npm start` starts
 * it) on a fresh database, its own consumer group and this run's own copies of the feeds. The events
 * are shaped exactly as the booking service's relay publishes them (headers, key = room id, payload
 * checked against the public JSON Schema), with `occurredAt` = the moment they are produced.
 *
 * Arrival is observed two ways, because MailDev's `time` field is the message's Date header (written by
 * the sender, whole seconds), not when MailDev received it:
 *  - seen: the bench polls MailDev's HTTP API every BENCH_MAIL_POLL_MS (default 50 ms) and records when
 *    each message first appears, an upper bound on its arrival (independent of the service);
 *  - accepted: when the SMTP server answered 250 to the service, as its delivery log records it.
 *
 * Environment: BENCH_DATABASE_URL, BENCH_KAFKA_BROKERS (as the other benches), BENCH_SMTP_URL (default
 * smtp://127.0.0.1:1025), BENCH_MAIL_API_URL (default http://127.0.0.1:1080), BENCH_RATE (events/s,
 * default 50), BENCH_SECONDS (default 20 here), BENCH_RECIPIENTS (default 50).
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { createKafka } from '@roomledger/messaging';
import { createTransport } from 'nodemailer';
import { Pool } from 'pg';
import { pino } from 'pino';
import {
  bookingMessage,
  bookingPayload,
  userMessage,
  userPayload,
} from '../../services/notification/src/testing/feed-messages.fixtures';
import {
  BROKERS,
  createBenchDatabase,
  dropBenchDatabase,
  unaryClient,
  cpuFigure,
  cpuSince,
  cpuSnapshot,
  deleteConsumerGroup,
  fmt,
  ms,
  now,
  percentile,
  sleep,
  startServiceProcess,
  startBenchBookingService,
  type Row,
  runBench,
  step,
  type BenchSession,
  interruptedBy,
  throwIfInterrupted,
  roomEvent,
} from './bench-support';

const SERVICE_MAIN = 'dist/services/notification/src/main.js';
const BOOKING_MAIN = 'dist/services/booking/src/main.js';
const SMTP_URL = process.env.BENCH_SMTP_URL ?? 'smtp://127.0.0.1:1025';
const MAIL_API = process.env.BENCH_MAIL_API_URL ?? 'http://127.0.0.1:1080';
const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 50);
const POLL_MS = Number(process.env.BENCH_MAIL_POLL_MS ?? 50);
const WARM_UP_SECONDS = 2;
const FLOOR_SECONDS = 5;
const ROOMS = 100;
const GOAL_P95_MS = 1_000;
const DRAIN_TIMEOUT_MS = 60_000;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Asia/Tokyo', 'UTC'];
/** (f): the rooms the booking service learns, and where their free hours start (30 days ahead, on a day). */
const BOOKED_ROOMS = 50;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const BOOKED_DAY0 = Math.ceil(Date.now() / DAY_MS) * DAY_MS + 30 * DAY_MS;
const BOOKED_TITLE = 'bench booked';
const CALL_DEADLINE_MS = 10_000;

const logger = pino({ level: 'error' });

interface MailSummary {
  id: string;
  subject: string;
}

async function main(session: BenchSession): Promise<void> {
  const { cleanup, db, runId } = session;
  const rows: Row[] = [];
  const pool = new Pool({ connectionString: db.url.toString(), max: 2 });
  cleanup.add(() => pool.end());

  const groupId = `bench.notification.${runId}`;
  cleanup.add(() => deleteConsumerGroup(groupId));
  const caught: string[] = [];
  cleanup.add(() => deleteMails(caught));

  // (e) the floor first, on an idle SMTP server: what handing one message to it costs.
  step(`(e) raw floor: nodemailer straight to ${SMTP_URL}, ${RATE}/s for ${FLOOR_SECONDS} s`);
  const floor = await smtpFloor(runId, caught);
  rows.push({
    measure: `(e) raw floor: send -> 250 from the SMTP server, nodemailer pooled, ${RATE}/s`,
    figure: `p95 ${ms(floor.p95)}`,
    detail: `p50 ${ms(floor.p50)} p99 ${ms(floor.p99)}; ${fmt(floor.count)} messages`,
    goal: 'reference',
    verdict: '',
  });

  step(`starting the notification service (${SERVICE_MAIN}) on a fresh database ${db.name}`);
  const service = await startServiceProcess('notification', {
    DATABASE_URL: db.url.toString(),
    SMTP_URL,
    NOTIFICATION_GROUP_ID: groupId,
    BOOKING_EVENTS_TOPIC: session.topic('booking.events.v1'),
    MEETING_EVENTS_TOPIC: session.topic('meeting.events.v1'),
    USER_EVENTS_TOPIC: session.topic('user.events.v1'),
    NOTIFICATION_EVENTS_TOPIC: session.topic('notification.events.v1'),
    // The bench measures the e-mail path; reminders would put real jobs in the shared local queue.
    REMINDERS_ENABLED: 'false',
  });
  cleanup.add(() => service.stop());
  await waitFor('the intake to join its group', async () => {
    const report = (await (await fetch(`${service.httpUrl}/health/ready`)).json()) as {
      checks: { read_model?: { intake?: string } };
    };
    return report.checks.read_model?.intake === 'running';
  });

  const kafka = createKafka({ clientId: 'bench-notification', brokers: BROKERS, logger });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  cleanup.add(() => producer.disconnect());

  step(`registering ${RECIPIENTS} recipients through ${session.topic('user.events.v1')}`);
  const recipients = Array.from({ length: RECIPIENTS }, (_, index) => ({
    userId: randomUUID(),
    version: 1,
    email: `bench-${runId}-${index}@example.test`,
    name: `Bench ${index}`,
    timeZone: ZONES[index % ZONES.length],
  }));
  await producer.send({
    topic: session.topic('user.events.v1'),
    acks: -1,
    messages: recipients.map((user) => userMessage('registered', userPayload('registered', user))),
  });
  await waitFor('the directory to hold every recipient', async () => {
    const [{ count }] = (await pool.query<{ count: string }>('select count(*) from notification.recipients'))
      .rows;
    return Number(count) === RECIPIENTS;
  });

  // The observer: every message of this run, first seen when.
  const seenAt = new Map<number, number>();
  const copies = new Map<number, number>();
  let observing = true;
  const observer = (async () => {
    const seenIds = new Set<string>();
    while (observing) {
      const polledAt = Date.now();
      const page = await fetch(
        `${MAIL_API}/api/email/summary?search=${encodeURIComponent(`bench-${runId}-`)}&sort=desc&limit=200`,
      )
        .then((response) => response.json() as Promise<{ items: MailSummary[] }>)
        .catch(() => ({ items: [] as MailSummary[] }));
      for (const mail of page.items) {
        if (seenIds.has(mail.id)) continue;
        seenIds.add(mail.id);
        caught.push(mail.id);
        const number = Number(/#(\d+),/.exec(mail.subject)?.[1]);
        if (!Number.isFinite(number)) continue;
        copies.set(number, (copies.get(number) ?? 0) + 1);
        if (!seenAt.has(number)) seenAt.set(number, polledAt);
      }
      await sleep(Math.max(0, POLL_MS - (Date.now() - polledAt)));
    }
  })();

  const producedAt = new Map<number, number>();
  let sequence = 0;
  const produce = async (
    seconds: number,
    counted: boolean,
  ): Promise<{ sent: number; slowestSendMs: number }> => {
    const total = Math.round(seconds * RATE);
    const t0 = Date.now();
    let slowestSendMs = 0;
    const sends: Promise<void>[] = [];
    for (let index = 0; index < total && !interruptedBy(); index += 1) {
      const due = t0 + (index * 1000) / RATE;
      await sleep(Math.max(0, due - Date.now()));
      sequence += 1;
      const number = sequence;
      const organizer = recipients[number % recipients.length];
      const roomId = `bench-${runId}-room-${number % ROOMS}`;
      const at = Date.now();
      const start = new Date(Math.ceil(at / 3_600_000) * 3_600_000 + 86_400_000 + (number % 48) * 1_800_000);
      const payload = bookingPayload('confirmed', {
        bookingId: randomUUID(),
        roomId,
        organizerId: organizer.userId,
        start: start.toISOString(),
        end: new Date(start.getTime() + 1_800_000).toISOString(),
        title: `bench ${counted ? '' : 'warm-up '}#${number}`,
        version: 1,
        streamRevision: number,
        occurredAt: new Date(at).toISOString(),
      });
      if (counted) producedAt.set(number, at);
      sends.push(
        producer
          .send({
            topic: session.topic('booking.events.v1'),
            acks: -1,
            messages: [bookingMessage('confirmed', payload)],
          })
          .then(() => {
            slowestSendMs = Math.max(slowestSendMs, Date.now() - at);
          }),
      );
    }
    await Promise.all(sends);
    return { sent: total, slowestSendMs };
  };

  step(`warming up: ${WARM_UP_SECONDS} s at ${RATE}/s (not counted)`);
  await produce(WARM_UP_SECONDS, false);
  await sleep(1_000);

  step(`measuring: ${SECONDS} s at ${RATE} events/s`);
  const cpuBefore = cpuSnapshot(service.pid);
  const t0 = now();
  const load = await produce(SECONDS, true);
  const produceSeconds = (now() - t0) / 1000;
  const cpu = cpuSince(cpuBefore, service.pid);
  step('waiting for the last e-mails');
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while ([...producedAt.keys()].some((number) => !seenAt.has(number)) && Date.now() < deadline)
    await sleep(200);
  await sleep(1_000); // late duplicates would show up here

  const { rows: accepted } = await pool.query<{
    title: string;
    created_at: Date;
    claimed_at: Date | null;
    sent_at: Date | null;
    status: string;
  }>(
    `select notice->'booking'->>'title' as title, created_at, claimed_at, sent_at, status
       from notification.deliveries
      where notice->'booking'->>'title' not like '${BOOKED_TITLE} %'`,
  );
  const measured = accepted.filter((row) => !row.title.includes('warm-up'));
  const numberOf = (title: string) => Number(/#(\d+)$/.exec(title)?.[1]);
  const acceptedAt = new Map(
    measured.filter((row) => row.sent_at).map((row) => [numberOf(row.title), row.sent_at!.getTime()]),
  );
  // Where the time went: before the intake's transaction (deliveries.created_at is its start) and after.
  const intakeLatency = measured
    .filter((row) => producedAt.has(numberOf(row.title)))
    .map((row) => row.created_at.getTime() - producedAt.get(numberOf(row.title))!)
    .sort((a, b) => a - b);
  const waitLatency = measured
    .filter((row) => row.claimed_at)
    .map((row) => row.claimed_at!.getTime() - row.created_at.getTime())
    .sort((a, b) => a - b);
  const sendLatency = measured
    .filter((row) => row.sent_at && row.claimed_at)
    .map((row) => row.sent_at!.getTime() - row.claimed_at!.getTime())
    .sort((a, b) => a - b);
  const counted = [...producedAt.entries()];
  const seenLatency = counted
    .filter(([number]) => seenAt.has(number))
    .map(([number, at]) => seenAt.get(number)! - at)
    .sort((a, b) => a - b);
  const acceptedLatency = counted
    .filter(([number]) => acceptedAt.has(number))
    .map(([number, at]) => acceptedAt.get(number)! - at)
    .sort((a, b) => a - b);
  const missing = counted.filter(([number]) => !seenAt.has(number)).length;
  const duplicated = counted.filter(([number]) => (copies.get(number) ?? 0) > 1).length;
  const notSent = accepted.filter((row) => row.status !== 'sent').length;
  const seenP95 = percentile(seenLatency, 0.95);

  rows.push({
    measure: `(a) produced -> seen in MailDev's API (polled every ${POLL_MS} ms), ${RATE}/s for ${SECONDS} s`,
    figure: `p95 ${ms(seenP95)}`,
    detail: `p50 ${ms(percentile(seenLatency, 0.5))} p99 ${ms(percentile(seenLatency, 0.99))} max ${ms(seenLatency.at(-1) ?? NaN)}; ${fmt(seenLatency.length)} of ${fmt(counted.length)} arrived`,
    goal: `p95 < ${GOAL_P95_MS} ms`,
    verdict: seenP95 < GOAL_P95_MS && missing === 0 ? 'PASS' : 'MISS',
  });
  rows.push({
    measure: "(b) produced -> SMTP server answered 250 (the delivery log's sent_at)",
    figure: `p95 ${ms(percentile(acceptedLatency, 0.95))}`,
    detail: `p50 ${ms(percentile(acceptedLatency, 0.5))} p99 ${ms(percentile(acceptedLatency, 0.99))} max ${ms(acceptedLatency.at(-1) ?? NaN)}`,
    goal: 'reported',
    verdict: '',
  });
  rows.push({
    measure: "    (b1) of which produced -> intake transaction began (Kafka, the consumer's queue)",
    figure: `p95 ${ms(percentile(intakeLatency, 0.95))}`,
    detail: `p50 ${ms(percentile(intakeLatency, 0.5))} p99 ${ms(percentile(intakeLatency, 0.99))}`,
    goal: 'reported',
    verdict: '',
  });
  rows.push({
    measure:
      "    (b2) of which intake transaction began -> claimed (commit, wake-up, the dispatcher's queue)",
    figure: `p95 ${ms(percentile(waitLatency, 0.95))}`,
    detail: `p50 ${ms(percentile(waitLatency, 0.5))} p99 ${ms(percentile(waitLatency, 0.99))}`,
    goal: 'reported',
    verdict: '',
  });
  rows.push({
    measure: '    (b3) of which claimed -> 250 (recipient, compose, SMTP)',
    figure: `p95 ${ms(percentile(sendLatency, 0.95))}`,
    detail: `p50 ${ms(percentile(sendLatency, 0.5))} p99 ${ms(percentile(sendLatency, 0.99))}`,
    goal: 'reported',
    verdict: '',
  });
  rows.push({
    measure: '(c) e-mails per event: missing / more than one',
    figure: `${missing} / ${duplicated}`,
    detail: `${fmt(accepted.length)} deliveries logged, ${notSent} not sent; produced ${fmt(load.sent)} in ${produceSeconds.toFixed(1)} s (${(load.sent / produceSeconds).toFixed(1)}/s), slowest produce ${ms(load.slowestSendMs)}`,
    goal: '0 / 0',
    verdict: missing === 0 && duplicated === 0 ? 'PASS' : 'MISS',
  });

  // (f) the same path from its real start: the booking service's append, its relay, then as above.
  const booked = await throughBookingService(session, {
    recipients,
    seenAt,
    copies,
    nextNumber: () => (sequence += 1),
    pool,
    notificationPid: service.pid,
  });
  observing = false;
  await observer;
  rows.push(...booked.rows);

  session.printReport({
    title: `roomledger notification benchmark (booking.events.v1 -> one notification service process -> SMTP; ${RATE} events/s for ${SECONDS} s; (f) through the booking service too; fresh databases)`,
    rows,
    machineSection: '(d) what else was running',
    context: [
      `  notification service: one process (pid ${service.pid}), ${SERVICE_MAIN} (build ${session.build}), LOG_LEVEL=warn,`,
      `    OTEL_SDK_DISABLED=true, EMAIL_CONCURRENCY=${service.env.EMAIL_CONCURRENCY}; SMTP server: MailDev at ${SMTP_URL}`,
      `  CPU during (a), ${cpu.wallSeconds.toFixed(1)} s x ${cpus().length} CPUs: machine busy ${cpuFigure(cpu.machine?.busy)} of ${cpuFigure(cpu.machine?.total)};`,
      `    notification service ${cpuFigure(cpu.service)}, this bench (producer, MailDev poller) ${cpuFigure(cpu.bench)}`,
      ...booked.context,
    ],
    notes: [
      `  whole run ${((now() - session.started) / 1000).toFixed(1)} s. Each event is a roomledger.booking.confirmed.v1 shaped as the booking relay`,
      `  publishes it (key = one of ${ROOMS} rooms, schema-checked), for one of ${RECIPIENTS} recipients in ${ZONES.length} time zones;`,
      '  its occurredAt is the moment it was produced, where (a)-(c) start (one clock: this machine).',
      `  (a) is an upper bound: a message is "seen" at the first poll that lists it, up to ${POLL_MS} ms plus one API call late.`,
      "  MailDev's own `time` field is the Date header the sender wrote (whole seconds), so it cannot time this.",
      '  (b) is when the SMTP server acknowledged the message to the service. Goals are printed, never enforced.',
      ...booked.notes,
      `  The run used its own topics (${session.topic('booking.events.v1')}, ...), deleted at the end, as are its mails in MailDev.`,
    ],
  });
}

/**
 * (f): the booking service as its own process (a second fresh database, this run's topics: it appends
 * to its event store and its relay publishes to the booking topic the notification service reads),
 * `BOOKED_ROOMS` rooms taught through the run's room topic, then `BookDirectly` at `RATE`/s for
 * `SECONDS` (after a warm-up), each for one of the recipients as organizer (the caller in the gRPC
 * metadata), each on a distinct free hour. Latency starts at the booking event's `occurredAt` as the
 * delivery log recorded it (the payload the notification service consumed).
 */
async function throughBookingService(
  session: BenchSession,
  run: {
    recipients: { userId: string }[];
    seenAt: Map<number, number>;
    copies: Map<number, number>;
    nextNumber: () => number;
    pool: Pool;
    notificationPid: number;
  },
): Promise<{ rows: Row[]; context: string[]; notes: string[] }> {
  const { cleanup, runId } = session;
  const section = `(f) appended -> seen in MailDev's API, through the booking service, ${RATE}/s for ${SECONDS} s`;
  step(`${section}: starting the booking service (${BOOKING_MAIN}) on a second fresh database`);
  const bookingDb = await createBenchDatabase();
  cleanup.add(() => dropBenchDatabase(bookingDb.name));
  const booking = await startBenchBookingService(session, bookingDb.url.toString());
  const client = unaryClient(
    booking.grpcAddress,
    'roomledger/booking/v1/booking.proto',
    'roomledger.booking.v1.BookingService',
    CALL_DEADLINE_MS,
  );
  cleanup.add(async () => client.close());

  const rooms = Array.from({ length: BOOKED_ROOMS }, (_, index) => `bench-${runId}-booked-${index}`);
  step(`registering ${BOOKED_ROOMS} rooms through ${session.topic('room.events.v1')}`);
  const producer = createKafka({ clientId: 'bench-notification-rooms', brokers: BROKERS, logger }).producer();
  await producer.connect();
  try {
    await producer.send({
      topic: session.topic('room.events.v1'),
      acks: -1,
      messages: rooms.map((roomId) => roomEvent(roomId)),
    });
  } finally {
    await producer.disconnect();
  }
  const pending = new Set(rooms);
  const slot = (roomId: string, hour: number) => ({
    roomId,
    start: new Date(BOOKED_DAY0 + hour * HOUR_MS).toISOString(),
    end: new Date(BOOKED_DAY0 + (hour + 1) * HOUR_MS).toISOString(),
  });
  await waitFor(
    'the booking service to know every room',
    async () => {
      if (booking.exited()) throw new Error(`the booking service exited:\n${booking.logs()}`);
      await Promise.all(
        [...pending].map((roomId) => {
          const { start, end } = slot(roomId, 0);
          return client
            .call('GetRoomAvailability', { roomId, from: start, to: end }, caller(run.recipients[0].userId))
            .then(
              () => pending.delete(roomId),
              () => undefined,
            );
        }),
      );
      return pending.size === 0;
    },
    120_000,
  );

  // One distinct free hour per booking: each room's hours in turn.
  const nextHour = new Map<string, number>();
  const replies = new Map<number, { updatedAt: string; calledAt: number; repliedAt: number }>();
  const failures = new Map<string, number>();
  const book = async (seconds: number, counted: boolean) => {
    const total = Math.round(seconds * RATE);
    const t0 = Date.now();
    const calls: Promise<void>[] = [];
    for (let index = 0; index < total && !interruptedBy() && !booking.exited(); index += 1) {
      await sleep(Math.max(0, t0 + (index * 1000) / RATE - Date.now()));
      const number = run.nextNumber();
      const organizer = run.recipients[number % run.recipients.length];
      const roomId = rooms[number % rooms.length];
      const hour = nextHour.get(roomId) ?? 0;
      nextHour.set(roomId, hour + 1);
      const request = {
        ...slot(roomId, hour),
        title: `${BOOKED_TITLE} ${counted ? '' : 'warm-up '}#${number}`,
      };
      const calledAt = Date.now();
      calls.push(
        client.call<{ updatedAt: string }>('BookDirectly', request, caller(organizer.userId)).then(
          (reply) => {
            if (counted) replies.set(number, { updatedAt: reply.updatedAt, calledAt, repliedAt: Date.now() });
          },
          (error: { code?: number; details?: string }) => {
            const kind =
              error.code === undefined ? String(error) : `grpc ${error.code} ${error.details ?? ''}`;
            failures.set(kind, (failures.get(kind) ?? 0) + 1);
          },
        ),
      );
    }
    await Promise.all(calls);
    if (booking.exited()) throw new Error(`the booking service exited during the run:\n${booking.logs()}`);
    return total;
  };

  step(`warming up the booking path: ${WARM_UP_SECONDS} s of BookDirectly at ${RATE}/s (not counted)`);
  await book(WARM_UP_SECONDS, false);
  await sleep(1_000);

  step(`${section}: measuring`);
  const cpuBooking = cpuSnapshot(booking.pid);
  const cpuNotification = cpuSnapshot(run.notificationPid);
  const t0 = now();
  const called = await book(SECONDS, true);
  const callSeconds = (now() - t0) / 1000;
  const cpu = cpuSince(cpuBooking, booking.pid);
  const notificationCpu = cpuSince(cpuNotification, run.notificationPid).service;
  step('waiting for the last e-mails of (f)');
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while ([...replies.keys()].some((number) => !run.seenAt.has(number)) && Date.now() < deadline)
    await sleep(200);
  await sleep(1_000); // late duplicates would show up here

  const { rows: logged } = await run.pool.query<{
    title: string;
    occurred_at: string;
    created_at: Date;
    sent_at: Date | null;
    status: string;
  }>(
    `select notice->'booking'->>'title' as title, notice->>'occurredAt' as occurred_at, created_at, sent_at, status
       from notification.deliveries
      where notice->'booking'->>'title' like '${BOOKED_TITLE} #%'`,
  );
  const numberOf = (title: string) => Number(/#(\d+)$/.exec(title)?.[1]);
  const logRows = new Map<number, (typeof logged)[number][]>();
  for (const row of logged)
    logRows.set(numberOf(row.title), [...(logRows.get(numberOf(row.title)) ?? []), row]);
  const counted = [...replies.entries()];
  // occurredAt: the booking event's, as the notification service consumed it (the delivery log's notice).
  const occurredAt = new Map(
    counted
      .filter(([number]) => logRows.has(number))
      .map(([number]) => [number, Date.parse(logRows.get(number)![0].occurred_at)] as const),
  );
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const seenLatency = sorted(
    counted
      .filter(([number]) => run.seenAt.has(number) && occurredAt.has(number))
      .map(([number]) => run.seenAt.get(number)! - occurredAt.get(number)!),
  );
  const acceptedLatency = sorted(
    counted
      .filter(([number]) => occurredAt.has(number) && logRows.get(number)![0].sent_at)
      .map(([number]) => logRows.get(number)![0].sent_at!.getTime() - occurredAt.get(number)!),
  );
  const intakeLatency = sorted(
    counted
      .filter(([number]) => occurredAt.has(number))
      .map(([number]) => logRows.get(number)![0].created_at.getTime() - occurredAt.get(number)!),
  );
  const callLatency = sorted(counted.map(([, reply]) => reply.repliedAt - reply.calledAt));
  // Cross-checks: the event's occurredAt is the reply's updatedAt and falls within its call.
  const differsFromReply = counted.filter(
    ([number, reply]) => occurredAt.has(number) && Date.parse(reply.updatedAt) !== occurredAt.get(number),
  ).length;
  const outsideCall = counted.filter(
    ([number, reply]) =>
      occurredAt.has(number) &&
      (occurredAt.get(number)! < reply.calledAt - 1 || occurredAt.get(number)! > reply.repliedAt + 1),
  ).length;
  const missing = counted.filter(([number]) => !run.seenAt.has(number)).length;
  const duplicated = counted.filter(([number]) => (run.copies.get(number) ?? 0) > 1).length;
  const notLogged = counted.filter(([number]) => !logRows.has(number)).length;
  const loggedTwice = counted.filter(([number]) => (logRows.get(number)?.length ?? 0) > 1).length;
  const failed = [...failures.values()].reduce((sum, value) => sum + value, 0);
  const failureList = failed === 0 ? '0' : [...failures].map(([kind, n]) => `${fmt(n)} ${kind}`).join(', ');
  const p95 = percentile(seenLatency, 0.95);
  const quantiles = (values: number[]) =>
    `p50 ${ms(percentile(values, 0.5))} p99 ${ms(percentile(values, 0.99))} max ${ms(values.at(-1) ?? NaN)}`;

  const rows: Row[] = [
    {
      measure: `${section} (from the event's occurredAt in the delivery log)`,
      figure: `p95 ${ms(p95)}`,
      detail: `${quantiles(seenLatency)}; ${fmt(seenLatency.length)} of ${fmt(counted.length)} booked arrived`,
      goal: `p95 < ${GOAL_P95_MS} ms`,
      verdict: p95 < GOAL_P95_MS && missing === 0 && failed === 0 ? 'PASS' : 'MISS',
    },
    {
      measure: "    (f1) appended -> SMTP server answered 250 (the delivery log's sent_at)",
      figure: `p95 ${ms(percentile(acceptedLatency, 0.95))}`,
      detail: quantiles(acceptedLatency),
      goal: 'reported',
      verdict: '',
    },
    {
      measure: '    (f2) of which appended -> intake transaction began (commit, relay, Kafka, consumer)',
      figure: `p95 ${ms(percentile(intakeLatency, 0.95))}`,
      detail: quantiles(intakeLatency),
      goal: 'reported',
      verdict: '',
    },
    {
      measure: '    (f3) BookDirectly call -> reply (client-side; not part of the latency above)',
      figure: `p95 ${ms(percentile(callLatency, 0.95))}`,
      detail: `${quantiles(callLatency)}; ${fmt(counted.length)} of ${fmt(called)} booked in ${callSeconds.toFixed(1)} s (${(called / callSeconds).toFixed(1)}/s), failed ${failureList}`,
      goal: 'reported',
      verdict: '',
    },
    {
      measure: '    (f4) e-mails per booking: missing / more than one',
      figure: `${missing} / ${duplicated}`,
      detail: `delivery log: ${notLogged} bookings without a row, ${loggedTwice} with more than one, ${logged.filter((row) => row.status !== 'sent').length} not sent; occurredAt != reply's updatedAt ${differsFromReply}, outside its call ${outsideCall}`,
      goal: '0 / 0',
      verdict: missing === 0 && duplicated === 0 && failed === 0 ? 'PASS' : 'MISS',
    },
  ];
  return {
    rows,
    context: [
      `  booking service (f): one process (pid ${booking.pid}), ${BOOKING_MAIN}, its own database ${bookingDb.name}, EVENT_STORE_POOL_SIZE=${booking.env.EVENT_STORE_POOL_SIZE}`,
      `  CPU during (f), ${cpu.wallSeconds.toFixed(1)} s: machine busy ${cpuFigure(cpu.machine?.busy)} of ${cpuFigure(cpu.machine?.total)};`,
      `    booking service ${cpuFigure(cpu.service)}, notification service ${cpuFigure(notificationCpu)}, this bench ${cpuFigure(cpu.bench)}`,
    ],
    notes: [
      `  (f) starts earlier than (a): at the booking event's occurredAt (the decision, appended in the same transaction),`,
      `  read from the delivery log's notice (the payload consumed) and checked against BookDirectly's reply (updatedAt);`,
      `  it adds the append's commit and the booking relay to (a)'s path. ${BOOKED_ROOMS} rooms, one distinct free hour each booking,`,
      `  organizers the same ${run.recipients.length} recipients (x-roomledger-user-id), a ${WARM_UP_SECONDS} s warm-up not counted.`,
    ],
  };
}

const caller = (userId: string) => ({ 'x-roomledger-user-id': userId, 'x-roomledger-roles': 'member' });

/** `RATE` messages a second for `FLOOR_SECONDS`, straight to the SMTP server; latency per send. */
async function smtpFloor(runId: string, caught: string[]) {
  const url = new URL(SMTP_URL);
  const transport = createTransport({
    host: url.hostname,
    port: Number(url.port || 25),
    secure: false,
    pool: true,
    maxConnections: 4,
  });
  const latencies: number[] = [];
  const sends: Promise<void>[] = [];
  const total = RATE * FLOOR_SECONDS;
  const t0 = Date.now();
  for (let index = 0; index < total && !interruptedBy(); index += 1) {
    await sleep(Math.max(0, t0 + (index * 1000) / RATE - Date.now()));
    const begin = now();
    sends.push(
      transport
        .sendMail({
          from: 'roomledger <no-reply@roomledger.local>',
          to: `bench-${runId}-floor@example.test`,
          subject: `floor ${index}`,
          text: 'floor',
        })
        .then(() => void latencies.push(now() - begin)),
    );
  }
  await Promise.all(sends);
  transport.close();
  const listed = (await fetch(`${MAIL_API}/api/email?to.address=bench-${runId}-floor@example.test`).then(
    (response) => response.json(),
  )) as { id: string }[];
  caught.push(...listed.map((mail) => mail.id));
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
  };
}

/** Deletes this run's messages from MailDev (only those: the server is shared). */
async function deleteMails(ids: string[]): Promise<void> {
  for (let index = 0; index < ids.length; index += 500)
    await fetch(`${MAIL_API}/api/email/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: ids.slice(index, index + 500) }),
    });
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    throwIfInterrupted();
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

void runBench(
  {
    serviceMain: SERVICE_MAIN,
    feeds: [
      'room.events.v1',
      'booking.events.v1',
      'meeting.events.v1',
      'user.events.v1',
      'notification.events.v1',
    ],
  },
  main,
);
