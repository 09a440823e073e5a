import { randomUUID } from 'node:crypto';
import { createKafka } from '@roomledger/messaging';
import {
  createFeedTopics,
  createTestDatabase,
  eventually,
  testStack,
  uniqueGroupId,
  waitForGroupJoin,
  type FeedTopics,
  type TestDatabase,
} from '@roomledger/testing';
import type { Consumer, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { migrate } from '../persistence/schema';
import { OutboxRelay } from './outbox-relay';

/** The outbox relay on real PostgreSQL and Kafka: one publisher among instances, in order, nothing lost on hand-over. */
describe('The notification outbox relay', () => {
  const logger = pino({ level: 'silent' });
  let database: TestDatabase;
  let kafka: Kafka;
  let feeds: FeedTopics;
  let consumer: Consumer;
  const received: { key: string; id: string; attempts: number }[] = [];
  const relays: OutboxRelay[] = [];

  const startRelay = () => {
    const relay = new OutboxRelay({
      pool: database.pool,
      kafka,
      topic: feeds.topic('notification.events.v1'),
      logger,
      pollIntervalMs: 100,
      leaseRetryMs: 100,
    });
    relay.start();
    relays.push(relay);
    return relay;
  };

  /** `count` events of one notification, as the dispatcher writes them (attempts 1..count). */
  const write = async (count: number): Promise<string> => {
    const notificationId = randomUUID();
    for (let attempts = 1; attempts <= count; attempts += 1)
      await database.pool.query(
        `insert into notification.outbox (id, notification_id, type, payload) values ($1, $2, 'failed', $3)`,
        [randomUUID(), notificationId, JSON.stringify({ notificationId, attempts })],
      );
    return notificationId;
  };

  beforeAll(async () => {
    database = await createTestDatabase('rl_notification_outbox');
    await migrate(database.pool);
    kafka = createKafka({ clientId: 'notification-outbox-it', brokers: testStack.kafkaBrokers, logger });
    feeds = await createFeedTopics(kafka, { 'notification.events.v1': 'NOTIFICATION_EVENTS_TOPIC' });
    consumer = kafka.consumer({ groupId: uniqueGroupId('notification-outbox') });
    await consumer.connect();
    await consumer.subscribe({ topic: feeds.topic('notification.events.v1'), fromBeginning: true });
    const joined = waitForGroupJoin(consumer);
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = JSON.parse(String(message.value)) as { attempts: number };
        received.push({
          key: String(message.key),
          id: String(message.headers?.ce_id),
          attempts: value.attempts,
        });
      },
    });
    await joined;
  });

  afterAll(async () => {
    await Promise.all(relays.map((relay) => relay.stop()));
    await consumer?.disconnect();
    await feeds?.delete();
    await database?.drop();
  });

  it('has one publisher among two instances, publishes each notification’s events in order, and marks them', async () => {
    startRelay();
    startRelay();
    await eventually(() =>
      expect(relays.map((relay) => relay.status().role).sort()).toEqual(['leader', 'standby']),
    );
    const ids = await Promise.all([write(5), write(5), write(5)]);
    await eventually(() => {
      for (const id of ids)
        expect(received.filter((message) => message.key === id).map((message) => message.attempts)).toEqual([
          1, 2, 3, 4, 5,
        ]);
    });
    // Marked right after Kafka's acknowledgement, which may be a moment after the consumer saw them.
    await eventually(async () => {
      const { rows } = await database.pool.query<{ pending: string }>(
        'select count(*) filter (where published_at is null) as pending from notification.outbox',
      );
      expect(rows[0].pending).toBe('0');
    });
    expect(new Set(received.map((message) => message.id)).size).toBe(received.length);
  });

  it('hands over to the standby when the leader stops, and nothing is lost', async () => {
    await relays.find((relay) => relay.status().role === 'leader')!.stop();
    await eventually(() =>
      expect(relays.map((relay) => relay.status().role).sort()).toEqual(['leader', 'stopped']),
    );
    const id = await write(3);
    await eventually(() =>
      expect(received.filter((message) => message.key === id).map((message) => message.attempts)).toEqual([
        1, 2, 3,
      ]),
    );
  });
});
