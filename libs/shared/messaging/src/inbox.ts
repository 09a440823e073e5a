import type { PartitionLag } from '@roomledger/observability';
import type {
  Admin,
  Consumer,
  ConsumerConfig,
  EachMessagePayload,
  IHeaders,
  Kafka,
  KafkaMessage,
  Producer,
} from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { backoffDelay, type Backoff } from '@roomledger/retry';
import { MalformedMessage, parseEnvelope, type EventEnvelope, type MessageOrigin } from './envelope';

/** The headers a dead-lettered message carries beside its original ones. */
export const DeadLetterHeaders = {
  /** The last error's message (at most 2 000 characters). */
  error: 'x-roomledger-error',
  /** The last error's class name (`MalformedMessage` when the message could not be parsed). */
  errorClass: 'x-roomledger-error-class',
  consumerGroup: 'x-roomledger-consumer-group',
  /** How many times the handler ran (`0`: the message could not be parsed, the handler never saw it). */
  attempts: 'x-roomledger-attempts',
  originalTopic: 'x-roomledger-original-topic',
  originalPartition: 'x-roomledger-original-partition',
  originalOffset: 'x-roomledger-original-offset',
  /** When the message was dead-lettered (RFC 3339). */
  failedAt: 'x-roomledger-failed-at',
} as const;

/** The dead-letter topic of a topic. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** A consumed message and where it came from. */
export interface InboxMessage {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

/**
 * Applies one event. Runs inside the transaction that records the event id in the inbox: do every
 * write through `client` (and do not commit or roll back), so the effect and the record commit together.
 * Throwing rolls both back; the message is retried, then dead-lettered.
 */
export type InboxHandler = (
  client: PoolClient,
  message: InboxMessage,
  envelope: EventEnvelope,
) => Promise<void>;

export interface InboxLogger {
  debug?(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Counter callbacks, for metrics. */
export interface InboxMetrics {
  processed?(message: InboxMessage, envelope: EventEnvelope): void;
  duplicate?(message: InboxMessage, envelope: EventEnvelope): void;
  retried?(message: InboxMessage, attempt: number, error: unknown): void;
  deadLettered?(message: InboxMessage, attempts: number, error: unknown): void;
}

export interface InboxConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly pool: Pool;
  /** Schema of the `inbox` table (default `public`); created if missing. */
  readonly schema?: string;
  readonly handler: InboxHandler;
  /** Handler runs per message before it is dead-lettered (default 5). */
  readonly maxAttempts?: number;
  readonly backoff?: Backoff;
  readonly logger?: InboxLogger;
  readonly metrics?: InboxMetrics;
  /** Where a group with no committed offset starts (default true: a new consumer reads what is retained). */
  readonly fromBeginning?: boolean;
  /** How long to wait for the first group join before giving up (default 30 s). */
  readonly joinTimeoutMs?: number;
  /** Passed to `kafka.consumer` (session timeout and the like); `groupId` is set from above. */
  readonly consumerConfig?: Omit<ConsumerConfig, 'groupId'>;
}

export interface InboxConsumer {
  readonly consumer: Consumer;
  readonly producer: Producer;
  /**
   * The group's lag per partition of its topics: end offset minus committed offset (the whole
   * retained partition while nothing is committed). Two admin requests per topic set; for the gauge.
   */
  lag(): Promise<PartitionLag[]>;
  /** Finishes the message in progress, leaves the group and disconnects. */
  stop(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function inboxTable(schema: string): string {
  if (!IDENTIFIER.test(schema))
    throw new Error(`not a plain lower-case schema name: ${JSON.stringify(schema)}`);
  return `"${schema}".inbox`;
}

/** Creates `<schema>.inbox` if missing; safe to run from several instances at once. */
export async function ensureInboxTable(pool: Pool, schema = 'public'): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    // Serialises set-up across instances: concurrent `create ... if not exists` can fail in PostgreSQL.
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`roomledger.inbox.${schema}`]);
    await client.query(`create schema if not exists "${schema}"`);
    await client.query(
      `create table if not exists ${inboxTable(schema)} (
         consumer_group text not null,
         event_id text not null,
         processed_at timestamptz not null default now(),
         primary key (consumer_group, event_id)
       )`,
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

type Attempt = { outcome: 'processed' } | { outcome: 'duplicate' } | { outcome: 'failed'; error: unknown };

/**
 * Consumes `topics` with exactly-once effects in PostgreSQL:
 *
 * - per message, one transaction records `ce_id` in `<schema>.inbox` for this consumer group
 *   (`on conflict do nothing`) and, if it was new, runs the handler with that transaction's client; an
 *   id already there is a duplicate and is skipped. The Kafka offset is committed after the transaction.
 * - a handler failure rolls back and is retried up to `maxAttempts` runs with exponential backoff and
 *   jitter; then the original message goes to `<topic>.dlq` with {@link DeadLetterHeaders}, the offset
 *   is committed and the partition moves on. A message that cannot be parsed is dead-lettered at once.
 * - a failure of the inbox's own work (connecting, the inbox insert, commit, producing to the DLQ) is
 *   not the message's fault: the offset is not committed and kafkajs delivers the message again.
 *
 * Resolves once the consumer has joined its group.
 */
export async function runInboxConsumer(options: InboxConsumerOptions): Promise<InboxConsumer> {
  const schema = options.schema ?? 'public';
  const table = inboxTable(schema);
  const maxAttempts = options.maxAttempts ?? 5;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1)
    throw new Error(`maxAttempts must be a positive integer: ${maxAttempts}`);
  const { kafka, groupId, pool, handler, logger, metrics } = options;
  await ensureInboxTable(pool, schema);

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ ...options.consumerConfig, groupId });

  async function attempt(message: InboxMessage, envelope: EventEnvelope): Promise<Attempt> {
    const client = await pool.connect();
    let broken: unknown;
    try {
      await client.query('begin');
      const recorded = await client.query(
        `insert into ${table} (consumer_group, event_id) values ($1, $2) on conflict do nothing`,
        [groupId, envelope.id],
      );
      if (recorded.rowCount === 0) {
        await client.query('rollback');
        return { outcome: 'duplicate' };
      }
      try {
        await handler(client, message, envelope);
      } catch (error) {
        broken = error;
        await client.query('rollback').catch(() => undefined);
        return { outcome: 'failed', error };
      }
      await client.query('commit');
      return { outcome: 'processed' };
    } catch (error) {
      broken = error;
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      // After a failure the connection's state is unknown: discard it rather than return it to the pool.
      client.release(broken === undefined ? undefined : toError(broken));
    }
  }

  async function deadLetter(message: InboxMessage, attempts: number, error: unknown): Promise<void> {
    const origin = message.message;
    const headers: IHeaders = {
      ...origin.headers,
      [DeadLetterHeaders.error]: truncate(error instanceof Error ? error.message : String(error), 2_000),
      [DeadLetterHeaders.errorClass]: errorClass(error),
      [DeadLetterHeaders.consumerGroup]: groupId,
      [DeadLetterHeaders.attempts]: String(attempts),
      [DeadLetterHeaders.originalTopic]: message.topic,
      [DeadLetterHeaders.originalPartition]: String(message.partition),
      [DeadLetterHeaders.originalOffset]: origin.offset,
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
    };
    await producer.send({
      topic: deadLetterTopic(message.topic),
      acks: -1,
      messages: [{ key: origin.key, value: origin.value, headers }],
    });
    metrics?.deadLettered?.(message, attempts, error);
    logger?.error(
      {
        err: error,
        topic: message.topic,
        partition: message.partition,
        offset: origin.offset,
        groupId,
        attempts,
      },
      'message dead-lettered',
    );
  }

  async function eachMessage({
    topic,
    partition,
    message: kafkaMessage,
    heartbeat,
  }: EachMessagePayload): Promise<void> {
    const message: InboxMessage = { topic, partition, message: kafkaMessage };
    const origin: MessageOrigin = { topic, partition, offset: kafkaMessage.offset };
    let envelope: EventEnvelope | undefined;
    try {
      envelope = parseEnvelope(kafkaMessage, origin);
    } catch (error) {
      if (!(error instanceof MalformedMessage)) throw error;
      await deadLetter(message, 0, error);
    }
    for (let attempts = 1; envelope !== undefined; attempts += 1) {
      const result = await attempt(message, envelope);
      if (result.outcome === 'processed') {
        metrics?.processed?.(message, envelope);
        // Inside the consuming span: the line carries the trace id of the request that caused the event.
        logger?.debug?.(
          {
            topic,
            partition,
            offset: kafkaMessage.offset,
            eventId: envelope.id,
            type: envelope.type,
            groupId,
          },
          'message processed',
        );
        break;
      }
      if (result.outcome === 'duplicate') {
        metrics?.duplicate?.(message, envelope);
        break;
      }
      if (attempts >= maxAttempts) {
        await deadLetter(message, attempts, result.error);
        break;
      }
      metrics?.retried?.(message, attempts, result.error);
      logger?.warn(
        { err: result.error, topic, partition, offset: kafkaMessage.offset, eventId: envelope.id, attempts },
        'handler failed; retrying',
      );
      await sleep(backoffDelay(attempts, options.backoff));
      await heartbeat();
    }
    await consumer.commitOffsets([
      { topic, partition, offset: (BigInt(kafkaMessage.offset) + 1n).toString() },
    ]);
  }

  const joined = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      removeListener();
      reject(
        new Error(
          `inbox consumer ${groupId} did not join its group within ${options.joinTimeoutMs ?? 30_000} ms`,
        ),
      );
    }, options.joinTimeoutMs ?? 30_000);
    const removeListener = consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      removeListener();
      resolve();
    });
  });

  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({ autoCommit: false, eachMessage });
    await joined;
  } catch (error) {
    joined.catch(() => undefined);
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
    throw error;
  }
  logger?.info({ groupId, topics: options.topics }, 'inbox consumer joined its group');

  let admin: Promise<Admin> | undefined;
  const connectedAdmin = (): Promise<Admin> =>
    (admin ??= (async () => {
      const created = kafka.admin();
      try {
        await created.connect();
        return created;
      } catch (error) {
        admin = undefined;
        throw error;
      }
    })());

  return {
    consumer,
    producer,
    lag: () => consumerGroupLag(connectedAdmin, groupId, options.topics),
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
      await (await admin?.catch(() => undefined))?.disconnect();
    },
  };
}

async function consumerGroupLag(
  admin: () => Promise<Admin>,
  groupId: string,
  topics: readonly string[],
): Promise<PartitionLag[]> {
  const client = await admin();
  const [committed, ends] = await Promise.all([
    client.fetchOffsets({ groupId, topics: [...topics] }),
    Promise.all(topics.map(async (topic) => ({ topic, partitions: await client.fetchTopicOffsets(topic) }))),
  ]);
  const committedAt = new Map(
    committed.flatMap(({ topic, partitions }) =>
      partitions.map(({ partition, offset }) => [`${topic}/${partition}`, BigInt(offset)] as const),
    ),
  );
  return ends.flatMap(({ topic, partitions }) =>
    partitions.map(({ partition, high, low }) => {
      const offset = committedAt.get(`${topic}/${partition}`) ?? -1n;
      // -1: nothing committed yet; the group starts from the beginning of what is retained.
      const from = offset < 0n ? BigInt(low) : offset;
      const messages = BigInt(high) - from;
      return { topic, partition, messages: Number(messages > 0n ? messages : 0n) };
    }),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function errorClass(error: unknown): string {
  if (error instanceof Error) return error.name !== 'Error' ? error.name : error.constructor.name;
  return typeof error;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
