import { randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  createTopics,
  eventually,
  scrapedValue,
  testStack,
  uniqueGroupId,
  uniqueTopicName,
  type TestDatabase,
} from '@roomledger/testing';
import {
  Kafka,
  logLevel,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type Message,
  type Producer,
} from 'kafkajs';
import { trackConsumerLag } from '@roomledger/observability';
import type { PoolClient } from 'pg';
import { Registry } from 'prom-client';
import { DeadLetterHeaders, runInboxConsumer, type InboxConsumer, type InboxHandler } from './inbox';

describe('Inbox consumer', () => {
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('rl_inbox');
    await database.pool.query('create table effects (event_id text not null, note text not null)');
    kafka = new Kafka({
      clientId: 'inbox-test',
      brokers: testStack.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((stop) => stop()));
  });

  afterAll(async () => {
    await producer.disconnect();
    await database.drop();
  });

  /** A fresh topic and its dead-letter topic, one partition each, so "the next message" is well defined. */
  async function freshTopic(): Promise<string> {
    const topic = uniqueTopicName('inbox');
    await createTopics(kafka, [topic, `${topic}.dlq`]);
    return topic;
  }

  async function consume(
    topic: string,
    handler: InboxHandler,
    maxAttempts = 3,
  ): Promise<{ inbox: InboxConsumer; groupId: string; counts: Counts }> {
    const counts: Counts = { processed: 0, duplicate: 0, retried: 0, deadLettered: 0 };
    const groupId = uniqueGroupId('inbox');
    const inbox = await runInboxConsumer({
      kafka,
      groupId,
      topics: [topic],
      pool: database.pool,
      schema: 'consumer_state',
      handler,
      maxAttempts,
      backoff: { initialDelayMs: 10, maxDelayMs: 50 },
      metrics: {
        processed: () => void counts.processed++,
        duplicate: () => void counts.duplicate++,
        retried: () => void counts.retried++,
        deadLettered: () => void counts.deadLettered++,
      },
    });
    cleanup.push(() => inbox.stop());
    return { inbox, groupId, counts };
  }

  /** Everything that reaches `<topic>.dlq`, read by a consumer group of its own from the beginning. */
  async function watchDeadLetters(topic: string): Promise<KafkaMessage[]> {
    const received: KafkaMessage[] = [];
    const consumer: Consumer = kafka.consumer({ groupId: uniqueGroupId('dlq-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
    cleanup.push(() => consumer.disconnect());
    return received;
  }

  async function committedOffset(groupId: string, topic: string): Promise<string | undefined> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return entry?.partitions[0]?.offset;
    } finally {
      await admin.disconnect();
    }
  }

  async function effectsOf(eventId: string): Promise<string[]> {
    const { rows } = await database.pool.query<{ note: string }>(
      'select note from effects where event_id = $1',
      [eventId],
    );
    return rows.map((row) => row.note);
  }

  const recordEffect: InboxHandler = async (client, _message, envelope) => {
    await record(client, envelope.id, envelope.type);
  };

  describe('While it is paused', () => {
    it('reports the messages behind its committed offset as consumer lag, and none once it caught up', async () => {
      const topic = await freshTopic();
      const { inbox, groupId, counts } = await consume(topic, recordEffect);
      const registry = new Registry();
      trackConsumerLag(registry, groupId, () => inbox.lag());
      const lag = () =>
        scrapedValue(registry, 'kafka_consumer_lag_messages', { group: groupId, topic, partition: '0' });

      await producer.send({ topic, messages: [integrationEvent()] });
      await eventually(() => expect(counts.processed).toBe(1));
      await eventually(async () => expect(await lag()).toBe(0));

      inbox.consumer.pause([{ topic }]);
      await producer.send({ topic, messages: [integrationEvent(), integrationEvent(), integrationEvent()] });
      expect(await lag()).toBe(3);
      expect(counts.processed).toBe(1);

      inbox.consumer.resume([{ topic }]);
      await eventually(() => expect(counts.processed).toBe(4), 30_000);
      await eventually(async () => expect(await lag()).toBe(0));
    });
  });

  describe('When the same event is delivered twice', () => {
    it('has one effect and records the event id once', async () => {
      const topic = await freshTopic();
      const { groupId, counts } = await consume(topic, recordEffect);
      const event = integrationEvent();

      await producer.send({ topic, messages: [event, event] });

      await eventually(() => expect(counts).toMatchObject({ processed: 1, duplicate: 1 }));
      expect(await effectsOf(event.id)).toEqual(['roomledger.booking.held.v1']);
      const { rows } = await database.pool.query(
        'select consumer_group from consumer_state.inbox where event_id = $1',
        [event.id],
      );
      expect(rows).toEqual([{ consumer_group: groupId }]);
    });
  });

  describe('When the handler fails twice, then succeeds', () => {
    it('rolls back the failed attempts and has one effect', async () => {
      const topic = await freshTopic();
      let attempts = 0;
      const { counts } = await consume(topic, async (client, _message, envelope) => {
        attempts += 1;
        await record(client, envelope.id, `attempt ${attempts}`);
        if (attempts <= 2) throw new Error('the database of a room is briefly unavailable');
      });
      const event = integrationEvent();

      await producer.send({ topic, messages: [event] });

      await eventually(() => expect(counts).toMatchObject({ processed: 1, retried: 2 }));
      expect(await effectsOf(event.id)).toEqual(['attempt 3']);
      expect(counts.deadLettered).toBe(0);
    });
  });

  describe('When the handler always fails', () => {
    it('sends the message to <topic>.dlq with the error headers and processes the next one', async () => {
      const topic = await freshTopic();
      const deadLetters = await watchDeadLetters(topic);
      const poison = integrationEvent('roomledger.booking.cancelled.v1');
      const next = integrationEvent();
      const { groupId } = await consume(topic, async (client, message, envelope) => {
        if (envelope.id === poison.id) throw new RoomGone(`room of ${message.message.key} is gone`);
        await record(client, envelope.id, 'applied');
      });

      await producer.send({ topic, messages: [poison, next] });

      await eventually(async () => expect(await effectsOf(next.id)).toEqual(['applied']));
      await eventually(() => expect(deadLetters).toHaveLength(1));
      const [dead] = deadLetters;
      expect(dead.key?.toString()).toBe(poison.key);
      expect(dead.value?.toString()).toBe(poison.value);
      expect(text(dead.headers)).toEqual({
        ...poison.headers,
        [DeadLetterHeaders.error]: `room of ${poison.key} is gone`,
        [DeadLetterHeaders.errorClass]: 'RoomGone',
        [DeadLetterHeaders.consumerGroup]: groupId,
        [DeadLetterHeaders.attempts]: '3',
        [DeadLetterHeaders.originalTopic]: topic,
        [DeadLetterHeaders.originalPartition]: '0',
        [DeadLetterHeaders.originalOffset]: '0',
        [DeadLetterHeaders.failedAt]: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      });
      expect(await effectsOf(poison.id)).toEqual([]);
      await eventually(async () => expect(await committedOffset(groupId, topic)).toBe('2'));
    });
  });

  describe('When a message cannot be parsed', () => {
    it('sends it to <topic>.dlq at once, without running the handler, and processes the next one', async () => {
      const topic = await freshTopic();
      const deadLetters = await watchDeadLetters(topic);
      const handled: string[] = [];
      await consume(topic, async (client, _message, envelope) => {
        handled.push(envelope.id);
        await record(client, envelope.id, 'applied');
      });
      const malformed = { ...integrationEvent(), value: '{"roomId": ' };
      const next = integrationEvent();

      await producer.send({ topic, messages: [malformed, next] });

      await eventually(async () => expect(await effectsOf(next.id)).toEqual(['applied']));
      await eventually(() => expect(deadLetters).toHaveLength(1));
      expect(deadLetters[0].value?.toString()).toBe('{"roomId": ');
      expect(text(deadLetters[0].headers)).toMatchObject({
        ce_id: malformed.id,
        [DeadLetterHeaders.errorClass]: 'MalformedMessage',
        [DeadLetterHeaders.error]: expect.stringContaining('not JSON'),
        [DeadLetterHeaders.attempts]: '0',
        [DeadLetterHeaders.originalOffset]: '0',
      });
      expect(handled).toEqual([next.id]);
    });
  });
});

interface Counts {
  processed: number;
  duplicate: number;
  retried: number;
  deadLettered: number;
}

class RoomGone extends Error {
  override readonly name = 'RoomGone';
}

function record(client: PoolClient, eventId: string, note: string): Promise<unknown> {
  return client.query('insert into effects (event_id, note) values ($1, $2)', [eventId, note]);
}

/** A message as the relay produces it: CloudEvents binary mode, keyed by the room. */
function integrationEvent(
  type = 'roomledger.booking.held.v1',
): Message & { id: string; key: string; value: string; headers: Record<string, string> } {
  const id = randomUUID();
  const roomId = randomUUID();
  return {
    id,
    key: roomId,
    value: JSON.stringify({ roomId, bookingId: id }),
    headers: {
      ce_specversion: '1.0',
      ce_id: id,
      ce_type: type,
      ce_source: '/roomledger/booking',
      ce_time: new Date().toISOString(),
      ce_subject: id,
      'content-type': 'application/json',
    },
  };
}

function text(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}
