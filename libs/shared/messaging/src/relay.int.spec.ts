import { randomUUID } from 'node:crypto';
import type { Checkpoint, NewEvent, RecordedEvent } from '@roomledger/event-store';
import { loadCheckpoint } from '@roomledger/projections';
import { PostgresEventStore } from '@roomledger/event-store-postgres';
import {
  createTestDatabase,
  createTopics,
  deleteTopics,
  eventually,
  freePort,
  plainConsumers,
  scrapedValue,
  testStack,
  uniqueTopicName,
  type TestDatabase,
} from '@roomledger/testing';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { trackLag } from '@roomledger/observability';
import { Registry } from 'prom-client';
import { createKafka } from './kafka';
import { outboxTableLag } from './outbox-lag';
import { runRelay, type Relay } from './relay';
import type { IntegrationMessage } from './relay-message';

const logger = pino({ level: 'silent' });
const SOURCE = '/roomledger/booking';

/** The booking service's mapping, reduced to what these tests need. */
function mapBookingEvent(event: RecordedEvent): IntegrationMessage | null {
  const data = event.data as { bookingId: string };
  switch (event.type) {
    case 'BookingConfirmed':
      return { type: 'roomledger.booking.confirmed.v1', subject: data.bookingId, data: event.data };
    case 'BookingCancelled':
      return { type: 'roomledger.booking.cancelled.v1', subject: data.bookingId, data: event.data };
    case 'RoomPolicyApplied':
      return null; // internal
    default:
      throw new Error(`unmapped event type ${event.type}`);
  }
}

/** Each test relays its own category (as a service relays its own), so tests sharing the store do not see each other. */
let categories = 0;
const uniqueCategory = (): string => `roomSchedule${(categories += 1)}x${Date.now().toString(36)}`;

function confirmed(n: number, metadata: Record<string, string> = {}): NewEvent {
  return { eventId: randomUUID(), type: 'BookingConfirmed', data: { bookingId: `b-${n}`, n }, metadata };
}

describe('relay (event store → Kafka)', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  const kafka = createKafka({ clientId: 'relay-test', brokers: testStack.kafkaBrokers, logger });
  const adminKafka = new Kafka({
    clientId: 'relay-test-admin',
    brokers: testStack.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const topics: string[] = [];
  const consumers = plainConsumers(adminKafka, 'relay');
  const relays: Relay[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('rl_relay');
    store = await PostgresEventStore.create({ connectionString: database.url });
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await consumers.disconnect();
  });

  afterAll(async () => {
    await store.close();
    await database.drop();
    if (topics.length > 0) await deleteTopics(adminKafka, topics);
  });

  async function freshTopic(partitions = 3): Promise<string> {
    const topic = uniqueTopicName('relay');
    await createTopics(adminKafka, [topic], partitions);
    topics.push(topic);
    return topic;
  }

  async function start(
    name: string,
    topic: string,
    category: string,
    overrides: Partial<Parameters<typeof runRelay>[0]> = {},
  ): Promise<Relay> {
    const relay = await runRelay({
      name,
      store,
      categories: [category],
      kafka,
      topic,
      map: mapBookingEvent,
      pool: database.pool,
      logger,
      source: SOURCE,
      retry: { initialDelayMs: 50, maxDelayMs: 500 },
      ...overrides,
    });
    relays.push(relay);
    return relay;
  }

  const storedCheckpoint = (name: string): Promise<Checkpoint | undefined> =>
    loadCheckpoint(database.pool, name, 'relay');

  /** Appends `count` confirmations, one per append, to the stream `streamOf(i)`; their ids and the last checkpoint. */
  async function appendConfirmed(count: number, streamOf: (i: number) => string) {
    const ids: string[] = [];
    let last: Checkpoint | undefined;
    for (let i = 0; i < count; i += 1) {
      const event = confirmed(i);
      ids.push(event.eventId as string);
      last = (await store.append(streamOf(i), [event])).checkpoint;
    }
    return { ids, last };
  }

  it('publishes each public event keyed by room, in stream order, with CloudEvents headers and the traceparent; internal events stay inside', async () => {
    const topic = await freshTopic();
    const received = await consumers.consume(topic);
    const category = uniqueCategory();
    const rooms: string[] = [randomUUID(), randomUUID(), randomUUID()];
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const expected = new Map<string, RecordedEvent[]>();
    let n = 0;
    let last: Checkpoint | undefined;
    for (let round = 0; round < 4; round += 1) {
      for (const room of rooms) {
        const events: NewEvent[] = [
          confirmed((n += 1), { traceparent, correlationId: 'c-1' }),
          { eventId: randomUUID(), type: 'RoomPolicyApplied', data: { bookingId: 'none', policy: 'p' } },
          confirmed((n += 1)),
        ];
        last = (await store.append(`${category}-${room}`, events)).checkpoint;
      }
    }
    // Another category is not this relay's business.
    await store.append(`user-${randomUUID()}`, [{ eventId: randomUUID(), type: 'UserRegistered', data: {} }]);
    for (const room of rooms) {
      for await (const event of store.readStream(`${category}-${room}`)) {
        if (event.type !== 'RoomPolicyApplied') expected.set(room, [...(expected.get(room) ?? []), event]);
      }
    }
    const publicCount = [...expected.values()].reduce((sum, events) => sum + events.length, 0);
    expect(publicCount).toBe(24);

    const relay = await start(`booking-${randomUUID()}`, topic, category);

    await eventually(() => expect(received).toHaveLength(publicCount), 30_000);
    await eventually(() =>
      expect(relay.status()).toMatchObject({ caughtUp: true, checkpoint: last, published: 24 }),
    );
    expect(received.map((message) => message.headers.ce_type)).not.toContain(undefined);
    expect(new Set(received.map((message) => message.headers.ce_type))).toEqual(
      new Set(['roomledger.booking.confirmed.v1']),
    );

    for (const room of rooms) {
      const arrived = received.filter((message) => message.key === room);
      const appended = expected.get(room) ?? [];
      // Same key, same partition, in the order the stream holds them.
      expect(new Set(arrived.map((message) => message.partition)).size).toBe(1);
      expect(arrived.map((message) => message.headers.ce_id)).toEqual(appended.map((event) => event.eventId));
      arrived.forEach((message, index) => {
        const event = appended[index];
        expect(message.value).toEqual(event.data);
        const withTrace = (event.data as { n: number }).n % 2 === 1;
        expect(message.headers).toEqual({
          ce_specversion: '1.0',
          ce_id: event.eventId,
          ce_type: 'roomledger.booking.confirmed.v1',
          ce_source: SOURCE,
          ce_time: event.createdAt.toISOString(),
          ce_subject: (event.data as { bookingId: string }).bookingId,
          'content-type': 'application/json',
          ...(withTrace ? { traceparent } : {}),
        });
      });
    }
    // Stored a second at most after it moved, though nothing more arrives.
    await eventually(async () => expect(await storedCheckpoint(relay.status().name)).toBe(last));
  });

  it('resumes from its checkpoint after a stop mid-way: every event arrives, none twice after a clean stop', async () => {
    const topic = await freshTopic();
    const received = await consumers.consume(topic);
    const name = `booking-${randomUUID()}`;
    const category = uniqueCategory();
    const { ids } = await appendConfirmed(200, (i) => `${category}-room${i % 10}`);

    // Stop the first relay from inside its mapper, once it is partway through: deterministic, no timing.
    const holder: { first?: Relay } = {};
    let mapped = 0;
    let stopRequested: Promise<void> | undefined;
    const first = (holder.first = await start(name, topic, category, {
      batchSize: 20,
      map: (event) => {
        mapped += 1;
        if (mapped === 70 && holder.first) stopRequested = holder.first.stop();
        return mapBookingEvent(event);
      },
    }));
    await eventually(() => expect(stopRequested).toBeDefined());
    await stopRequested;
    const afterStop = first.status();
    expect(afterStop.running).toBe(false);
    // The batch in hand (holding the 70th event, at most 20 events) was published and checkpointed; nothing after it.
    expect(afterStop.published).toBeGreaterThanOrEqual(70);
    expect(afterStop.published).toBeLessThan(90);
    expect(await storedCheckpoint(name)).toBe(afterStop.checkpoint);
    expect(afterStop.checkpoint).toBeDefined();

    const second = await start(name, topic, category, { batchSize: 20 });
    await eventually(
      () => expect(second.status()).toMatchObject({ caughtUp: true, published: 200 - afterStop.published }),
      30_000,
    );
    await eventually(() => expect(received).toHaveLength(200), 30_000);
    const arrivedIds = received.map((message) => message.headers.ce_id);
    expect(new Set(arrivedIds).size).toBe(arrivedIds.length); // no duplicates after a clean stop
    expect(new Set(arrivedIds)).toEqual(new Set(ids));
  });

  it('moves past events it publishes nothing for, and stores that checkpoint by the time it stops', async () => {
    const name = `quiet-${randomUUID()}`;
    const topic = await freshTopic();
    const category = uniqueCategory();
    const relay = await start(name, topic, category);
    await eventually(() => expect(relay.status().caughtUp).toBe(true));
    const { last: published } = await appendConfirmed(1, () => `${category}-room`);
    await eventually(() => expect(relay.status()).toMatchObject({ checkpoint: published, published: 1 }));
    await eventually(async () => expect(await storedCheckpoint(name)).toBe(published));

    // Internal events only: nothing to publish, the checkpoint moves past them all the same.
    let internal: Checkpoint | undefined;
    for (let i = 0; i < 5; i += 1) {
      internal = (
        await store.append(`${category}-room`, [
          { eventId: randomUUID(), type: 'RoomPolicyApplied', data: {} },
        ])
      ).checkpoint;
    }
    await eventually(() => expect(relay.status().checkpoint).toBe(internal));
    await relay.stop();
    expect(relay.status().published).toBe(1);
    expect(await storedCheckpoint(name)).toBe(internal);
  });

  it('does not move the checkpoint while Kafka is unreachable; a relay that reaches Kafka then publishes everything', async () => {
    const topic = await freshTopic();
    const received = await consumers.consume(topic);
    const name = `booking-${randomUUID()}`;
    const category = uniqueCategory();
    const { ids, last } = await appendConfirmed(30, () => `${category}-${randomUUID()}`);

    const closedPort = await freePort();
    const unreachable = new Kafka({
      clientId: 'relay-test-unreachable',
      brokers: [`127.0.0.1:${closedPort}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      retry: { retries: 1, initialRetryTime: 50 },
    });
    const blocked = await start(name, topic, category, { kafka: unreachable });
    // It tried, failed and retried (from its checkpoint) more than once ...
    await eventually(() => expect(blocked.status().failures).toBeGreaterThanOrEqual(3), 45_000);
    // ... and nothing moved: no checkpoint stored, nothing published, not caught up.
    expect(blocked.status()).toMatchObject({ published: 0, caughtUp: false, checkpoint: undefined });
    expect(blocked.status().lastError).toEqual(expect.any(String));
    expect(await storedCheckpoint(name)).toBeUndefined();
    await blocked.stop();
    expect(await storedCheckpoint(name)).toBeUndefined();
    expect(received).toHaveLength(0);

    const relay = await start(name, topic, category);
    await eventually(() => expect(received).toHaveLength(30), 30_000);
    await eventually(() =>
      expect(relay.status()).toMatchObject({ caughtUp: true, checkpoint: last, published: 30 }),
    );
    await eventually(async () => expect(await storedCheckpoint(name)).toBe(last));
    expect(new Set(received.map((message) => message.headers.ce_id))).toEqual(new Set(ids));
  });

  it('re-sends, never loses, what Kafka acknowledged after the last stored checkpoint (at-least-once)', async () => {
    const topic = await freshTopic();
    const received = await consumers.consume(topic);
    const name = `booking-${randomUUID()}`;
    const category = uniqueCategory();
    const { ids, last } = await appendConfirmed(10, (i) => `${category}-room${i % 3}`);
    // The real pool, but every checkpoint write fails: as if the process died after Kafka's acknowledgements.
    let failedWrites = 0;
    const pool = {
      query: (text: string, values?: unknown[]) => {
        if (text.trimStart().startsWith('insert')) {
          failedWrites += 1;
          return Promise.reject(new Error('checkpoint write lost'));
        }
        return database.pool.query(text, values);
      },
    };
    const dying = await start(name, topic, category, { pool });
    await eventually(() =>
      expect(dying.status()).toMatchObject({ caughtUp: true, checkpoint: last, published: 10 }),
    );
    await eventually(() => expect(failedWrites).toBeGreaterThanOrEqual(2), 10_000); // retried, not given up
    expect(dying.status().failures).toBe(0); // a lost write re-sends nothing while the relay runs
    await dying.stop();
    expect(await storedCheckpoint(name)).toBeUndefined();
    expect(received).toHaveLength(10);

    const relay = await start(name, topic, category);
    await eventually(() => expect(received).toHaveLength(20), 30_000);
    const arrivedIds = received.map((message) => message.headers.ce_id);
    expect(new Set(arrivedIds)).toEqual(new Set(ids));
    for (const id of ids) expect(arrivedIds.filter((each) => each === id)).toHaveLength(2);
    await eventually(async () => expect(await storedCheckpoint(name)).toBe(last));
    expect(relay.status().published).toBe(10);
  });

  it('stores its checkpoint at most once a second while it moves, and as it stops', async () => {
    const topic = await freshTopic();
    const name = `booking-${randomUUID()}`;
    const category = uniqueCategory();
    let writes = 0;
    const pool = {
      query: (text: string, values?: unknown[]) => {
        if (text.trimStart().startsWith('insert')) writes += 1;
        return database.pool.query(text, values);
      },
    };
    const relay = await start(name, topic, category, { pool });
    await eventually(() => expect(relay.status().caughtUp).toBe(true));
    const started = performance.now();
    writes = 0;
    // One append at a time, each published in a batch of its own or with a few others.
    const { last } = await appendConfirmed(60, (i) => `${category}-room${i % 4}`);
    await eventually(() => expect(relay.status()).toMatchObject({ checkpoint: last, published: 60 }));
    await relay.stop();
    const seconds = (performance.now() - started) / 1000;
    expect(await storedCheckpoint(name)).toBe(last);
    // One store a second at most (the relay's tick), plus the one at stop.
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
  });

  it('with a lease, publishes once from two instances; the standby takes over from the checkpoint when the leader stops', async () => {
    const topic = await freshTopic();
    const received = await consumers.consume(topic);
    const category = uniqueCategory();
    const name = `leased-${category}`;
    const lease = { leaderPool: database.pool, leaseRetryMs: 100 };
    const first = await start(name, topic, category, lease);
    const second = await start(name, topic, category, lease);
    const before = await appendConfirmed(20, (i) => `${category}-${i % 4}`);
    await eventually(() => expect(received).toHaveLength(20));
    const statuses = [first.status(), second.status()];
    expect(statuses.filter((status) => status.leader)).toHaveLength(1);
    expect(statuses[0].published + statuses[1].published).toBe(20);

    const [leader, standby] = statuses[0].leader ? [first, second] : [second, first];
    await leader.stop();
    const after = await appendConfirmed(10, (i) => `${category}-${i % 4}`);
    await eventually(() => expect(received).toHaveLength(30));
    expect(standby.status()).toMatchObject({ leader: true, published: 10 });
    const ids = received.map((message) => message.headers.ce_id);
    expect(new Set(ids).size).toBe(30);
    expect(new Set(ids)).toEqual(new Set([...before.ids, ...after.ids]));
    await eventually(async () => expect(await storedCheckpoint(name)).toBe(after.last));
  });
  it('reports its lag: the events appended while it was stopped and the age of the oldest, none once it caught up', async () => {
    const topic = await freshTopic(1);
    const name = `booking-${randomUUID()}`;
    const category = uniqueCategory();
    const registry = new Registry();
    const running: { relay?: Relay } = {};
    trackLag(registry, 'relay', name, () => running.relay?.lag());
    const lag = async () => ({
      events: await scrapedValue(registry, 'relay_lag_events', { relay: name }),
      seconds: await scrapedValue(registry, 'relay_lag_seconds', { relay: name }),
    });

    running.relay = await start(name, topic, category);
    await appendConfirmed(2, (i) => `${category}-room${i}`);
    await eventually(
      () => expect(running.relay!.status()).toMatchObject({ caughtUp: true, published: 2 }),
      30_000,
    );
    expect(await lag()).toEqual({ events: 0, seconds: 0 });

    await running.relay.stop();
    await appendConfirmed(4, (i) => `${category}-room${i}`);
    const behind = await lag();
    expect(behind.events).toBe(4);
    expect(behind.seconds).toBeGreaterThan(0);

    running.relay = await start(name, topic, category);
    await eventually(
      () => expect(running.relay!.status()).toMatchObject({ caughtUp: true, published: 4 }),
      30_000,
    );
    expect(await lag()).toEqual({ events: 0, seconds: 0 });
  });

  it('reads a table outbox lag from its pending rows', async () => {
    await database.pool.query(`create schema if not exists outbox_lag;
      create table outbox_lag.outbox (id int primary key, created_at timestamptz not null, published_at timestamptz)`);
    expect(await outboxTableLag(database.pool, 'outbox_lag.outbox')).toEqual({ events: 0, seconds: 0 });
    await database.pool.query(`insert into outbox_lag.outbox values
      (1, now() - interval '90 seconds', now()), (2, now() - interval '60 seconds', null), (3, now(), null)`);
    const lag = await outboxTableLag(database.pool, 'outbox_lag.outbox');
    expect(lag.events).toBe(2);
    expect(lag.seconds).toBeGreaterThanOrEqual(60);
    expect(lag.seconds).toBeLessThan(90);
  });
});
