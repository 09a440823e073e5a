import { setTimeout as delay } from 'node:timers/promises';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { withoutInstrumentation } from '@roomledger/observability';
import { acquireLease } from '@roomledger/projections';
import { backoffDelay } from '@roomledger/retry';
import type { Kafka, Message, Producer } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { CloudEventHeaders } from './envelope';
import { startPublishSpan } from './publish-span';

export interface TableOutboxRelayOptions {
  readonly pool: Pool;
  readonly kafka: Kafka;
  readonly logger: Logger;
  /** The outbox table, schema-qualified (`user_service.outbox`); its columns are in the README. */
  readonly table: string;
  /** The column that keys each message and is its `ce_subject` (`user_id`): one subject's events stay in order. */
  readonly keyColumn: string;
  /** The table keeps `tracestate` beside `traceparent` (default: it does not). */
  readonly tracestateColumn?: boolean;
  readonly topic: string;
  /** The publishing service (`user`): `ce_source` is `/roomledger/user`, `ce_type` `roomledger.user.<type>.v1`. */
  readonly service: string;
  /** A channel that a trigger on the table NOTIFYs: the leader LISTENs, so rows other instances write go at once. */
  readonly notifyChannel?: string;
  /** Rows per produce request (default 500). */
  readonly batchSize?: number;
  /** How long to wait for a wake-up before looking anyway (default 1,000 ms). */
  readonly pollIntervalMs?: number;
  /** How often a standby instance tries to take the lease over (default 2,000 ms). */
  readonly leaseRetryMs?: number;
  /** Published rows are kept this long, then deleted (default 7 days, the topic's retention). */
  readonly retentionMs?: number;
  /** The service's counter of published messages, told how many Kafka acknowledged each time. */
  readonly onPublished?: (count: number) => void;
}

export type TableOutboxRelayRole = 'starting' | 'standby' | 'leader' | 'stopped';

export interface TableOutboxRelayStatus {
  readonly role: TableOutboxRelayRole;
  readonly published: number;
  readonly lastError: string | undefined;
}

/** An outbox row as the relay reads it. */
export interface TableOutboxRow {
  readonly id: string;
  /** The key column's value. */
  readonly subject: string;
  readonly type: string;
  readonly payload: unknown;
  readonly traceparent: string | null;
  readonly tracestate: string | null;
  readonly created_at: Date;
}

const QUALIFIED_TABLE = /^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const CLEANUP_EVERY_MS = 10 * 60_000;

/**
 * Publishes a PostgreSQL outbox table (rows written in the transaction of the change they report) to
 * Kafka in `position` order, with an idempotent producer and `acks=all`; rows are marked
 * `published_at` only after Kafka acknowledged them. At least once: a crash between the
 * acknowledgement and the mark re-sends them with the same `ce_id`s (the row ids).
 *
 * One instance publishes: the holder of the shared lease (`acquireLease`, a PostgreSQL advisory lock
 * on a connection of its own, named `<schema>-<table>-relay`); the others stand by and take over when
 * it dies. The leader is woken by `wake()` (a change this instance committed), by NOTIFY on
 * `notifyChannel` if the table has one, and polls in case a wake-up is lost.
 */
export class TableOutboxRelay {
  private role: TableOutboxRelayRole = 'starting';
  private published = 0;
  private lastError: string | undefined;
  private producer: Producer | undefined;
  private running: Promise<void> | undefined;
  private lastCleanup = 0;
  /** Aborted by `wake()`; renewed right before each look for rows, so no wake-up is lost meanwhile. */
  private woken = new AbortController();
  private readonly stopping = new AbortController();
  private readonly logger: Logger;

  constructor(private readonly options: TableOutboxRelayOptions) {
    if (!QUALIFIED_TABLE.test(options.table))
      throw new Error(`not a plain schema.table name: ${JSON.stringify(options.table)}`);
    for (const name of [options.keyColumn, options.notifyChannel ?? 'none']) {
      if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
    }
    this.logger = options.logger.child({ component: 'outbox-relay', topic: options.topic });
  }

  start(): void {
    this.running ??= this.loop().catch((error: unknown) =>
      this.logger.error({ err: error }, 'outbox relay ended unexpectedly'),
    );
  }

  /** Look for rows now: this instance just committed some. */
  wake(): void {
    this.woken.abort();
  }

  status(): TableOutboxRelayStatus {
    return { role: this.role, published: this.published, lastError: this.lastError };
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    await this.dropProducer();
    this.role = 'stopped';
  }

  private async loop(): Promise<void> {
    const leaseName = `${this.options.table.replace('.', '-')}-relay`;
    while (!this.stopping.signal.aborted) {
      const lease = await acquireLease(this.options.pool, leaseName, {
        signal: this.stopping.signal,
        retryMs: this.options.leaseRetryMs,
        onStandby: () => {
          if (this.role !== 'standby') this.logger.info('another instance relays the outbox; standing by');
          this.role = 'standby';
        },
      });
      if (!lease) break;
      this.role = 'leader';
      this.logger.info('outbox relay leads');
      const unlisten = await this.listen();
      try {
        await this.relayWhile(AbortSignal.any([this.stopping.signal, lease.lost]));
        if (lease.lost.aborted) this.logger.warn('outbox relay lost its lease; standing by');
      } finally {
        this.role = 'standby';
        await unlisten();
        await this.dropProducer();
        await lease.release();
      }
    }
  }

  private async relayWhile(session: AbortSignal): Promise<void> {
    const { pool, table, keyColumn, batchSize = 500, pollIntervalMs = 1_000 } = this.options;
    const tracestate = this.options.tracestateColumn ? 'o.tracestate' : 'null::text as tracestate';
    let failures = 0;
    while (!session.aborted) {
      try {
        // Anything committed before this read is in it; a wake-up from now on ends the next wait at once.
        this.woken = new AbortController();
        const { rows } = await pool.query<TableOutboxRow>(
          `select o.id, o.${keyColumn}::text as subject, o.type, o.payload, o.traceparent, ${tracestate}, o.created_at
             from ${table} o where o.published_at is null order by o.position limit $1`,
          [batchSize],
        );
        if (rows.length > 0) {
          await this.publish(rows);
          // Only now, with Kafka's acknowledgement in hand, are the rows published.
          await pool.query(`update ${table} set published_at = now() where id = any ($1::uuid[])`, [
            rows.map((row) => row.id),
          ]);
          this.published += rows.length;
          this.options.onPublished?.(rows.length);
          this.lastError = undefined;
          failures = 0;
          continue;
        }
        await this.cleanup();
        await this.pause(pollIntervalMs, session);
      } catch (error) {
        if (session.aborted) break;
        failures += 1;
        this.lastError = error instanceof Error ? error.message : String(error);
        const retryInMs = backoffDelay(failures, { initialDelayMs: 250, maxDelayMs: 10_000 });
        this.logger.warn({ err: error, retryInMs }, 'outbox relay failed; retrying');
        await this.dropProducer();
        await this.pause(retryInMs, session);
      }
    }
  }

  /**
   * Sends the rows, each in the trace of the request that wrote it (its own producer span, see
   * `startPublishSpan`), with kafkajs' instrumentation silenced: it would put the relay loop's context
   * into every message instead.
   */
  private async publish(rows: readonly TableOutboxRow[]): Promise<void> {
    const { topic, service, table } = this.options;
    const spans: Span[] = [];
    const messages = rows.map((row) => {
      const message = tableOutboxMessage(row, service);
      const span = startPublishSpan(
        topic,
        {
          eventId: row.id,
          type: `roomledger.${service}.${row.type}.v1`,
          traceparent: row.traceparent,
          tracestate: row.tracestate,
        },
        message,
        table,
      );
      if (span) spans.push(span);
      return message;
    });
    try {
      const producer = await this.connectedProducer();
      await withoutInstrumentation(() => producer.send({ topic, acks: -1, messages }));
    } catch (error) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  }

  /** Resolves after `ms`, on a wake-up (also one since the last look), or when `session` ends. */
  private async pause(ms: number, session: AbortSignal): Promise<void> {
    await delay(ms, undefined, { signal: AbortSignal.any([session, this.woken.signal]) }).catch(
      () => undefined,
    );
  }

  /**
   * While leading, LISTENs on `notifyChannel` on a connection of its own; returns what ends that. A
   * failure to listen, or a broken listening connection, only leaves the leader to its polling.
   */
  private async listen(): Promise<() => Promise<void>> {
    const channel = this.options.notifyChannel;
    if (!channel) return async () => undefined;
    let client: PoolClient | undefined;
    const onNotification = () => this.wake();
    const onError = (error: Error) =>
      this.logger.warn({ err: error }, 'outbox notifications lost; polling until the next lease');
    try {
      client = await this.options.pool.connect();
      client.on('notification', onNotification);
      client.on('error', onError);
      await client.query(`listen ${channel}`);
    } catch (error) {
      onError(error as Error);
    }
    return async () => {
      client?.off('notification', onNotification);
      // Destroyed, not returned: a pooled connection must not keep listening for whoever takes it next.
      client?.release(true);
      // Its 'error' listener stays: a late error on the destroyed connection must not crash the process.
    };
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = Date.now();
    const retentionMs = this.options.retentionMs ?? 7 * 86_400_000;
    await this.options.pool.query(
      `delete from ${this.options.table} where published_at < now() - make_interval(secs => $1)`,
      [retentionMs / 1000],
    );
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Bounded, so a failure surfaces here and the loop retries (rows stay pending, nothing is skipped).
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}

/**
 * An outbox row as its Kafka message: CloudEvents binary mode (`ce_id` = the row's id, so a re-send
 * after a crash is recognisably the same event), keyed by the row's subject, and in the trace of the
 * request that wrote it (its stored `traceparent` and `tracestate`).
 */
export function tableOutboxMessage(row: TableOutboxRow, service: string): Message {
  const headers: Record<string, string> = {
    [CloudEventHeaders.specversion]: '1.0',
    [CloudEventHeaders.id]: row.id,
    [CloudEventHeaders.type]: `roomledger.${service}.${row.type}.v1`,
    [CloudEventHeaders.source]: `/roomledger/${service}`,
    [CloudEventHeaders.time]: row.created_at.toISOString(),
    [CloudEventHeaders.subject]: row.subject,
    [CloudEventHeaders.contentType]: 'application/json',
  };
  if (row.traceparent) headers[CloudEventHeaders.traceparent] = row.traceparent;
  if (row.tracestate) headers[CloudEventHeaders.tracestate] = row.tracestate;
  return { key: row.subject, value: JSON.stringify(row.payload), headers };
}
