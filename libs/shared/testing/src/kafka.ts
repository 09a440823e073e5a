import { randomUUID } from 'node:crypto';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import { uniqueSuffix } from './stack';

export function uniqueTopicName(prefix: string): string {
  return `test.${prefix}.${uniqueSuffix()}`;
}

export function uniqueGroupId(prefix: string): string {
  return `test-${prefix}-${uniqueSuffix()}`;
}

/** Topics are never auto-created on our brokers; tests create theirs explicitly and wait for leaders. */
export async function createTopics(kafka: Kafka, names: string[], partitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, names: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: names, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Resolves once the consumer has joined its group and been given partitions. Producing before that
 * is kafkajs' best-known trap: a consumer starting "from latest" misses what was sent meanwhile.
 */
export function waitForGroupJoin(consumer: Consumer, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      removeListener();
      reject(new Error(`consumer did not join its group within ${timeoutMs} ms`));
    }, timeoutMs);
    const removeListener = consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      removeListener();
      resolve();
    });
  });
}

/** A message as a plain consumer read it: key and headers as text, the value parsed from its JSON. */
export interface ConsumedMessage<T = unknown> {
  key: string;
  value: T;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/** Plain kafkajs consumers, as another team's service would run them, each in a group of its own. */
export interface PlainConsumers {
  /** Reads `topic` from its beginning; resolves once joined, with the live list of what arrives. */
  consume<T = unknown>(topic: string): Promise<ConsumedMessage<T>[]>;
  /** Disconnects every consumer started so far. */
  disconnect(): Promise<void>;
}

export function plainConsumers(kafka: Kafka, groupPrefix: string): PlainConsumers {
  const running: Consumer[] = [];
  return {
    async consume<T>(topic: string) {
      const received: ConsumedMessage<T>[] = [];
      const consumer = kafka.consumer({ groupId: uniqueGroupId(groupPrefix) });
      running.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const joined = waitForGroupJoin(consumer);
      await consumer.run({
        eachMessage: async ({ message, partition }) => {
          received.push({
            key: message.key?.toString() ?? '',
            value: JSON.parse(message.value?.toString() ?? 'null') as T,
            headers: textHeaders(message.headers),
            partition,
            offset: message.offset,
          });
        },
      });
      await joined;
      return received;
    },
    async disconnect() {
      await Promise.all(running.splice(0).map((consumer) => consumer.disconnect()));
    },
  };
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}

/** A test's own copies of public topics (each with its `.dlq`), and the service settings that point at them. */
export interface FeedTopics {
  /** Public name → this test's topic, e.g. `room.events.v1` → `test.room.events.v1.<suffix>`. */
  readonly topic: (publicName: string) => string;
  /** `ROOM_EVENTS_TOPIC`-style settings for the services under test. */
  readonly env: Record<string, string>;
  delete(): Promise<void>;
}

/**
 * Creates fresh copies of the public feeds a test's services use, so that a service reading a feed from
 * the beginning reads only this test's messages (the shared topics keep days of everything else).
 * `envNames` maps each public topic to the setting the services read it from.
 */
export async function createFeedTopics(
  kafka: Kafka,
  envNames: Record<string, string>,
  partitions = 3,
): Promise<FeedTopics> {
  const names = new Map(Object.keys(envNames).map((name) => [name, uniqueTopicName(name)]));
  const created = [...names.values()].flatMap((name) => [name, `${name}.dlq`]);
  await createTopics(kafka, created, partitions);
  return {
    topic: (publicName) => {
      const name = names.get(publicName);
      if (!name) throw new Error(`no test copy of ${publicName}`);
      return name;
    },
    env: Object.fromEntries(
      Object.entries(envNames).map(([publicName, setting]) => [setting, names.get(publicName)!]),
    ),
    delete: () => deleteTopics(kafka, created),
  };
}

/**
 * A `roomledger.room.registered.v1` message as the room service's relay publishes it (CloudEvents
 * headers, keyed by room): a room open around the clock, one seat, no booking window, in Europe/Berlin.
 * `overrides` replace payload fields, except `policy`, whose fields replace the default policy's; `type`
 * names a later event of the same shape instead (`roomledger.room.policy-changed.v1`, with a higher
 * `version`). What tests and benchmarks publish to teach the booking service a room.
 */
export function roomRegisteredMessage(
  roomId: string,
  { policy, ...overrides }: Record<string, unknown> & { policy?: Record<string, unknown> } = {},
  type = 'roomledger.room.registered.v1',
) {
  const at = new Date().toISOString();
  return {
    key: roomId,
    headers: {
      ce_specversion: '1.0',
      ce_id: randomUUID(),
      ce_type: type,
      ce_source: '/roomledger/room',
      ce_time: at,
      ce_subject: roomId,
      'content-type': 'application/json',
    },
    value: JSON.stringify({
      roomId,
      version: 1,
      occurredAt: at,
      name: `Room ${roomId}`,
      capacity: 8,
      seats: 1,
      timeZone: 'Europe/Berlin',
      amenities: [],
      accessibility: [],
      openingHours: [],
      closures: [],
      policy: {
        minDurationMinutes: 15,
        maxDurationMinutes: 480,
        bookingWindowDays: null,
        minNoticeMinutes: 0,
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
        ...policy,
      },
      retired: false,
      ...overrides,
    }),
  };
}
