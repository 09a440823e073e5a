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
  type Row,
  runBench,
  step,
  type BenchSession,
  interruptedBy,
  throwIfInterrupted,
} from './bench-support';

const SERVICE_MAIN = 'dist/services/notification/src/main.js';
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
  observing = false;
  await observer;

  const { rows: accepted } = await pool.query<{
    title: string;
    created_at: Date;
    claimed_at: Date | null;
    sent_at: Date | null;
    status: string;
  }>(
    `select notice->'booking'->>'title' as title, created_at, claimed_at, sent_at, status
       from notification.deliveries`,
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

  session.printReport({
    title: `roomledger notification benchmark (booking.events.v1 -> one notification service process -> SMTP; ${RATE} events/s for ${SECONDS} s; one fresh database)`,
    rows,
    machineSection: '(d) what else was running',
    context: [
      `  notification service: one process (pid ${service.pid}), ${SERVICE_MAIN} (build ${session.build}), LOG_LEVEL=warn,`,
      `    OTEL_SDK_DISABLED=true, EMAIL_CONCURRENCY=${service.env.EMAIL_CONCURRENCY}; SMTP server: MailDev at ${SMTP_URL}`,
      `  CPU during (a), ${cpu.wallSeconds.toFixed(1)} s x ${cpus().length} CPUs: machine busy ${cpuFigure(cpu.machine?.busy)} of ${cpuFigure(cpu.machine?.total)};`,
      `    notification service ${cpuFigure(cpu.service)}, this bench (producer, MailDev poller) ${cpuFigure(cpu.bench)}`,
    ],
    notes: [
      `  whole run ${((now() - session.started) / 1000).toFixed(1)} s. Each event is a roomledger.booking.confirmed.v1 shaped as the booking relay`,
      `  publishes it (key = one of ${ROOMS} rooms, schema-checked), for one of ${RECIPIENTS} recipients in ${ZONES.length} time zones;`,
      '  its occurredAt is the moment it was produced, where every latency above starts (one clock: this machine).',
      `  (a) is an upper bound: a message is "seen" at the first poll that lists it, up to ${POLL_MS} ms plus one API call late.`,
      "  MailDev's own `time` field is the Date header the sender wrote (whole seconds), so it cannot time this.",
      '  (b) is when the SMTP server acknowledged the message to the service. Goals are printed, never enforced.',
      `  The run used its own topics (${session.topic('booking.events.v1')}, ...), deleted at the end, as are its mails in MailDev.`,
    ],
  });
}

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
    feeds: ['booking.events.v1', 'meeting.events.v1', 'user.events.v1', 'notification.events.v1'],
  },
  main,
);
