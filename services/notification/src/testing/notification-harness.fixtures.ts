import { randomUUID } from 'node:crypto';
import { createKafka } from '@roomledger/messaging';
import {
  createFeedTopics,
  createTestDatabase,
  eventually,
  startTestService,
  testStack,
  uniqueGroupId,
  uniqueSuffix,
  type FeedTopics,
  type StartedService,
  type TestDatabase,
} from '@roomledger/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Kafka, Message, Producer } from 'kafkajs';
import { pino } from 'pino';
import { startNotification } from '../app.module';
import { configSchema } from '../config';
import { userMessage, userPayload, type UserProfile } from './feed-messages.fixtures';

/** The public feeds the notification service reads and writes, by the setting that names each. */
const SERVICE_FEEDS: Record<string, string> = {
  'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
  'meeting.events.v1': 'MEETING_EVENTS_TOPIC',
  'user.events.v1': 'USER_EVENTS_TOPIC',
  'notification.events.v1': 'NOTIFICATION_EVENTS_TOPIC',
};

export interface NotificationHarnessOptions {
  /** Names this test's database, Kafka client, consumer group, reminder queue and people's addresses. */
  readonly name: string;
  /**
   * Reminders on a BullMQ queue of this test's own, an offset's "minute" lasting a second (a reminder
   * `n minutes` before fires n seconds before); off without.
   */
  readonly reminders?: boolean;
  /** More public topics to copy (by their settings), for services the test runs beside this one. */
  readonly feeds?: Record<string, string>;
  /** More settings for the service. */
  readonly env?: Record<string, string>;
  /** `false` to take the service as its start leaves it, not waiting for its intake to run. */
  readonly waitUntilRunning?: boolean;
}

export interface NotificationHarness {
  readonly database: TestDatabase;
  readonly kafka: Kafka;
  readonly feeds: FeedTopics;
  readonly producer: Producer;
  /** The running service (another one after `restart`). */
  readonly service: StartedService;
  /** The reminder queue, to look at or add jobs; only with `reminders`. */
  readonly reminderQueue: Queue;
  /** Produces messages to this test's copy of a public topic (`meeting.events.v1`). */
  publish(publicTopic: string, ...messages: Message[]): Promise<void>;
  /** A user as the user service announces them (`registered`), returned once the directory has them. */
  register(overrides?: Partial<UserProfile>): Promise<UserProfile>;
  /** Stops the service, runs `whileStopped`, starts it again with the same settings and waits until it runs. */
  restart(whileStopped?: () => Promise<unknown>): Promise<void>;
  /** Stops the service and removes everything this harness made. */
  stop(): Promise<void>;
}

/**
 * The notification service started in this process on real PostgreSQL, Kafka, Redis and SMTP, on this
 * test's own database, topic copies, consumer group and (with reminders) queue, so that reading its feeds
 * from the beginning it sees only this test's messages. Resolves once its intake (and reminders) run,
 * unless told not to wait.
 */
export async function startNotificationHarness(
  options: NotificationHarnessOptions,
): Promise<NotificationHarness> {
  const runId = randomUUID().slice(0, 8);
  const groupId = uniqueGroupId(`notification-${options.name}-it`);
  const queueName = `test-${options.name}-reminders-${uniqueSuffix()}`;
  let database: TestDatabase | undefined;
  let feeds: FeedTopics | undefined;
  let producer: Producer | undefined;
  let redis: Redis | undefined;
  let queue: Queue | undefined;
  let service: StartedService | undefined;

  const start = () =>
    startTestService({
      schema: configSchema,
      start: startNotification,
      service: 'notification',
      env: {
        DATABASE_URL: database!.url,
        NOTIFICATION_GROUP_ID: groupId,
        ...(options.reminders
          ? { REMINDER_QUEUE: queueName, REMINDER_MINUTE_MS: '1000' }
          : { REMINDERS_ENABLED: 'false' }),
        ...options.env,
        ...feeds!.env,
      },
    });
  const untilRunning = () =>
    eventually(async () => {
      const report = (await (await fetch(`${service!.httpUrl}/health/ready`)).json()) as {
        checks: { read_model?: Record<string, string> };
      };
      const parts = options.reminders ? ['intake', 'reminders'] : ['intake'];
      for (const part of parts) {
        const state = report.checks.read_model?.[part];
        if (state !== 'running') throw new Error(`the notification service's ${part} is ${state}`);
      }
    }, 60_000);
  const stop = async () => {
    await service?.close();
    service = undefined;
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await redis?.quit();
    await producer?.disconnect();
    await feeds?.delete();
    await database?.drop();
  };

  const kafka = createKafka({
    clientId: `notification-${options.name}-it`,
    brokers: testStack.kafkaBrokers,
    logger: pino({ level: 'error' }),
  });
  try {
    database = await createTestDatabase(`rl_notification_${options.name}`);
    feeds = await createFeedTopics(kafka, { ...options.feeds, ...SERVICE_FEEDS });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    if (options.reminders) {
      redis = new Redis(testStack.redisUrl, { maxRetriesPerRequest: null });
      queue = new Queue(queueName, { connection: redis });
    }
    service = await start();
    if (options.waitUntilRunning !== false) await untilRunning();
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  const harness: NotificationHarness = {
    database,
    kafka,
    feeds,
    producer,
    get service() {
      if (!service) throw new Error('the notification service is stopped');
      return service;
    },
    get reminderQueue() {
      if (!queue) throw new Error(`the ${options.name} harness runs without reminders`);
      return queue;
    },
    publish: async (publicTopic: string, ...messages: Message[]) => {
      await harness.producer.send({ topic: harness.feeds.topic(publicTopic), messages });
    },
    register: async (overrides: Partial<UserProfile> = {}) => {
      const userId = overrides.userId ?? randomUUID();
      const user: UserProfile = {
        userId,
        version: 1,
        email: `${options.name}-${runId}-${userId.slice(0, 8)}@example.test`,
        name: 'Ada Lovelace',
        timeZone: 'Europe/Berlin',
        ...overrides,
      };
      await harness.publish('user.events.v1', userMessage('registered', userPayload('registered', user)));
      await eventually(async () => {
        const known = await harness.database.pool.query(
          'select 1 from notification.recipients where user_id = $1',
          [userId],
        );
        if (known.rowCount !== 1) throw new Error(`the directory does not know ${userId} yet`);
      });
      return user;
    },
    restart: async (whileStopped: () => Promise<unknown> = async () => undefined) => {
      await service?.close();
      service = undefined;
      await whileStopped();
      service = await start();
      await untilRunning();
    },
    stop,
  };
  return harness;
}
