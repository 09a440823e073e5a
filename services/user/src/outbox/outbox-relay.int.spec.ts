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
import { register, updateProfile, type User } from '../domain';
import { migrate } from '../persistence/schema';
import { Outbox, UserStore } from '../persistence/user-store';
import { OutboxRelay } from './outbox-relay';

/**
 * The outbox relay on real PostgreSQL and Kafka: one leader among several instances, a standby taking
 * over when the leader goes, rows published in order and marked only after Kafka acknowledged.
 */
describe('The outbox relay', () => {
  const logger = pino({ level: 'error' });
  let database: TestDatabase;
  let kafka: Kafka;
  let consumer: Consumer;
  let feeds: FeedTopics;
  let users: UserStore;
  const outbox = new Outbox();
  const received: { key: string; id: string; version: number }[] = [];
  const relays: OutboxRelay[] = [];

  const startRelay = () => {
    const relay = new OutboxRelay({
      pool: database.pool,
      kafka,
      topic: feeds.topic('user.events.v1'),
      logger,
      leaseRetryMs: 100,
      pollIntervalMs: 120_000, // longer than any wait below: NOTIFY must do the waking
    });
    relay.start();
    relays.push(relay);
    return relay;
  };

  /** A registration and `changes` profile updates, each change in its own transaction. */
  const writeUser = async (changes: number): Promise<string> => {
    let now = Date.now();
    const registration = register({
      id: randomUUID(),
      email: `${randomUUID()}@example.org`,
      name: 'Relay test',
      timeZone: 'UTC',
      now: new Date(now),
    });
    await users.transaction(async (tx) => {
      await users.insert(tx, registration.user, 'not a real hash');
      await outbox.append(tx, registration.user.id, registration.events, new Date(now));
    });
    let user: User = registration.user;
    for (let index = 0; index < changes; index += 1) {
      now += 1_000;
      const change = updateProfile(user, { name: `Relay test ${index}` }, new Date(now));
      await users.transaction(async (tx) => {
        await users.save(tx, change.user);
        await outbox.append(tx, user.id, change.events, new Date(now));
      });
      user = change.user;
    }
    return user.id;
  };

  beforeAll(async () => {
    database = await createTestDatabase('rl_user_outbox');
    await migrate(database.pool);
    await migrate(database.pool); // idempotent
    users = new UserStore(database.pool);
    kafka = createKafka({ clientId: 'user-outbox-it', brokers: testStack.kafkaBrokers, logger });
    feeds = await createFeedTopics(kafka, { 'user.events.v1': 'USER_EVENTS_TOPIC' });
    consumer = kafka.consumer({ groupId: uniqueGroupId('user-outbox') });
    await consumer.connect();
    await consumer.subscribe({ topic: feeds.topic('user.events.v1'), fromBeginning: true });
    const joined = waitForGroupJoin(consumer);
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = JSON.parse(message.value!.toString()) as { version: number };
        received.push({
          key: message.key!.toString(),
          id: String(message.headers!.ce_id),
          version: value.version,
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

  it('has one leader among three instances; the others stand by', async () => {
    startRelay();
    startRelay();
    startRelay();
    await eventually(() =>
      expect(relays.map((relay) => relay.status().role).sort()).toEqual(['leader', 'standby', 'standby']),
    );
  });

  it('publishes each user’s events in order, woken by NOTIFY, and marks them only once Kafka has them', async () => {
    const userIds = await Promise.all([writeUser(15), writeUser(15), writeUser(15)]);
    await eventually(() => {
      for (const userId of userIds)
        expect(
          received.filter((message) => message.key === userId).map((message) => message.version),
        ).toEqual(Array.from({ length: 16 }, (_, index) => index + 1));
    }, 20_000);
    const { rows } = await database.pool.query<{ id: string; published: boolean }>(
      'select id, published_at is not null as published from user_service.outbox where user_id = any ($1::uuid[])',
      [userIds],
    );
    expect(rows).toHaveLength(48);
    expect(rows.every((row) => row.published)).toBe(true);
    expect(rows.map((row) => row.id).every((id) => received.some((message) => message.id === id))).toBe(true);
  });

  it('hands over to a standby when the leader stops, and nothing is lost', async () => {
    const leader = relays.find((relay) => relay.status().role === 'leader')!;
    await leader.stop();
    await eventually(() =>
      expect(relays.map((relay) => relay.status().role).sort()).toEqual(['leader', 'standby', 'stopped']),
    );
    const userId = await writeUser(2);
    await eventually(() =>
      expect(received.filter((message) => message.key === userId).map((message) => message.version)).toEqual([
        1, 2, 3,
      ]),
    );
  });

  it('publishes a backlog in position order across a power of ten (positions compare as numbers)', async () => {
    await Promise.all(relays.map((relay) => relay.stop()));
    const { rows } = await database.pool.query<{ max: string }>(
      'select coalesce(max(position), 0)::text as max from user_service.outbox',
    );
    const next = Number(rows[0].max) + 1;
    const changes = 10 ** String(next).length - next + 2; // the backlog's positions gain a digit
    const userId = await writeUser(changes);
    startRelay();
    await eventually(() =>
      expect(received.filter((message) => message.key === userId).map((message) => message.version)).toEqual(
        Array.from({ length: changes + 1 }, (_, index) => index + 1),
      ),
    );
  });
});
