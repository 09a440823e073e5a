import { dataEnv, env, serviceEnv } from '@roomledger/config';
import { topic } from '@roomledger/contracts';
import { z } from 'zod';

const DAY_MS = 86_400_000;

/** The longest a consumed feed keeps a message: a redelivery can come this late (7 days). */
export const LONGEST_FEED_RETENTION_DAYS = Math.ceil(
  Math.max(
    ...['booking.events.v1', 'meeting.events.v1', 'user.events.v1'].map((name) => topic(name).retentionMs),
  ) / DAY_MS,
);

export const configSchema = z.object({
  ...serviceEnv({ httpPort: 3104, grpcPort: 50104 }),
  DATABASE_URL: dataEnv.DATABASE_URL(),
  REDIS_URL: dataEnv.REDIS_URL(),
  KAFKA_BROKERS: dataEnv.KAFKA_BROKERS(),
  SMTP_URL: env.url('smtp://127.0.0.1:1025', ['smtp', 'smtps']),
  MAIL_FROM: z.string().min(3).default('roomledger <no-reply@roomledger.local>'),
  /** The feeds consumed (and the one published); tests and benchmarks point them at their own copies. */
  BOOKING_EVENTS_TOPIC: dataEnv.topic('booking.events.v1'),
  MEETING_EVENTS_TOPIC: dataEnv.topic('meeting.events.v1'),
  USER_EVENTS_TOPIC: dataEnv.topic('user.events.v1'),
  NOTIFICATION_EVENTS_TOPIC: dataEnv.topic('notification.events.v1'),
  /** The consumer group of all three feeds (one per deployment, shared by its instances). */
  NOTIFICATION_GROUP_ID: z.string().min(1).default('notification'),
  /**
   * Members of that group this instance runs. The inbox applies one message at a time per member, so
   * more members consume more partitions at once (each partition stays in order, with one member).
   */
  INTAKE_CONSUMERS: env.positiveInt(3),
  /** E-mails in flight per instance (and pooled SMTP connections). */
  EMAIL_CONCURRENCY: env.positiveInt(8),
  /** Sending attempts per e-mail before it is dead-lettered (only failures known not to have delivered are retried). */
  EMAIL_MAX_ATTEMPTS: env.positiveInt(6),
  /** Delay before the second attempt; it doubles per attempt, up to 15 minutes. */
  EMAIL_RETRY_INITIAL_MS: env.positiveInt(10_000),
  /**
   * The longest one SMTP exchange may take. A send still unanswered by then has an unknown outcome, and
   * a row left `sending` for twice as long belongs to an instance that died mid-send.
   */
  EMAIL_SEND_TIMEOUT_MS: env.positiveInt(30_000),
  /**
   * What to do with an e-mail whose outcome is unknown (the instance died, or the server went silent,
   * after the message may have been handed over): `false` dead-letters it (at most once, the default),
   * `true` sends it again with the same Message-ID (at least once). See the README.
   */
  EMAIL_RESEND_UNCERTAIN: env.flag(false),
  /** Events older than this when consumed are not mailed (a new deployment reading the retained feed). */
  MAX_EVENT_AGE_SECONDS: env.positiveInt(86_400),
  /** Webhook POSTs in flight per instance. */
  WEBHOOK_CONCURRENCY: env.positiveInt(16),
  /** The longest one webhook POST may take (connect to the end of the response). */
  WEBHOOK_TIMEOUT_MS: env.positiveInt(10_000),
  /** Attempts per webhook delivery before it is dead-lettered. */
  WEBHOOK_MAX_ATTEMPTS: env.positiveInt(8),
  /** The first retry waits up to this (full jitter: a random delay in [0, d]); it doubles per attempt, up to 1 hour. */
  WEBHOOK_RETRY_INITIAL_MS: env.positiveInt(5_000),
  /** Consecutive dead-lettered deliveries after which a subscription is paused and its owner told. */
  WEBHOOK_PAUSE_AFTER_DEAD: env.positiveInt(5),
  /** Private, loopback and link-local webhook targets are refused unless this is `true` (tests, local). */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: env.flag(false),
  /**
   * After a secret rotation, the replaced secret keeps signing deliveries (a second `v1`) this long, so
   * receivers can switch to the new one without rejecting a delivery.
   */
  WEBHOOK_SECRET_ROTATION_GRACE_SECONDS: env.positiveInt(86_400),
  /**
   * Delivery-log rows in a final state (`sent`, `dead_lettered`, `cancelled`) are deleted this many days
   * after reaching it; so are reminders sent or cancelled, and deleted webhook subscriptions none of
   * whose deliveries is left.
   */
  DELIVERY_LOG_RETENTION_DAYS: env.positiveInt(90),
  /**
   * Consumed-message ids (the intake's dedupe rows in `notification.inbox`) are kept this many days. At
   * least as long as the consumed topics keep a message (7 days, `retentionMs` in libs/contracts/topics.json): a message
   * Kafka delivers again (a rebalance, a reset offset) must still be recognised as a duplicate, or it
   * would notify everyone a second time.
   */
  INBOX_DEDUPE_RETENTION_DAYS: env.positiveInt(14).refine((days) => days >= LONGEST_FEED_RETENTION_DAYS, {
    message: `must be at least ${LONGEST_FEED_RETENTION_DAYS} (days): the consumed topics keep messages that long, and a redelivery must still be recognised`,
  }),
  /** Read in-app items older than this many days are deleted (unread ones are kept). */
  INBOX_ITEMS_RETENTION_DAYS: env.positiveInt(180),
  /**
   * The service's copy of a meeting (`notification.meetings`: guests' e-mail addresses among it) is
   * deleted this many days after the meeting is over (cancelled, or its last occurrence ended; a series
   * without an end never is) and last changed, once none of its reminders is still scheduled. At least as
   * long as the consumed topics keep a message (7 days): an event already applied to the copy that Kafka
   * delivers again must still find it, or its stream revision could not be told to be old.
   */
  MEETING_COPY_RETENTION_DAYS: env.positiveInt(30).refine((days) => days >= LONGEST_FEED_RETENTION_DAYS, {
    message: `must be at least ${LONGEST_FEED_RETENTION_DAYS} (days): the consumed topics keep messages that long, and a redelivered meeting event must still find the copy`,
  }),
  /** Reminders before bookings (BullMQ delayed jobs in Redis); `false` turns the channel off. */
  REMINDERS_ENABLED: env.flag(true),
  /** The BullMQ queue of reminder jobs (one per deployment; tests use their own). */
  REMINDER_QUEUE: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/)
    .default('notification-reminders'),
  /** Offsets (minutes before the start, comma-separated) for people who stated none. */
  REMINDER_DEFAULT_OFFSETS_MINUTES: z
    .string()
    .regex(/^\d+(,\d+)*$/)
    .default('1440,60,15')
    .transform((text) =>
      text
        .split(',')
        .map(Number)
        .filter((offset) => offset > 0),
    ),
  /** The length of an offset's minute in milliseconds: 60,000; tests shorten it to run reminders in seconds. */
  REMINDER_MINUTE_MS: env.positiveInt(60_000),
});
export type NotificationConfig = z.infer<typeof configSchema>;
