import { acquireLease } from '@roomledger/projections';
import { backoffDelay } from '@roomledger/retry';
import type { Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { toNotificationMessage, type OutboxRow } from '../delivery-log/notification-events';
import { SCHEMA } from '../persistence/schema';
import { Wakeup } from '../wakeup';

export interface OutboxRelayOptions {
  readonly pool: Pool;
  readonly kafka: Kafka;
  readonly topic: string;
  readonly logger: Logger;
  /** Rows per produce request (default 500). */
  readonly batchSize?: number;
  /** How long to wait for a wake-up before looking anyway (default 1,000 ms). */
  readonly pollIntervalMs?: number;
  /** How often a standby instance tries to take the lease over (default 2,000 ms). */
  readonly leaseRetryMs?: number;
  /** Published rows are kept this long, then deleted (default 7 days, the topic's retention). */
  readonly retentionMs?: number;
  readonly onPublished?: (count: number) => void;
}

export type RelayRole = 'starting' | 'standby' | 'leader' | 'stopped';

const CLEANUP_EVERY_MS = 10 * 60_000;

/**
 * Publishes `notification.outbox` to `notification.events.v1` in position order, with an idempotent
 * producer and `acks=all`; rows are marked published only after Kafka acknowledged them. At least once:
 * a crash between the acknowledgement and the mark re-sends them with the same `ce_id`s.
 *
 * One instance publishes: the holder of the shared lease (`acquireLease`, a PostgreSQL advisory lock
 * on a connection of its own); the others stand by and take over when it dies. The leader is woken
 * in-process when this instance records an outcome, and polls for rows other instances wrote.
 */
export class OutboxRelay {
  private role: RelayRole = 'starting';
  private published = 0;
  private lastError: string | undefined;
  private producer: Producer | undefined;
  private running: Promise<void> | undefined;
  private lastCleanup = 0;
  private readonly stopping = new AbortController();
  private readonly wakeup = new Wakeup();
  private readonly logger: Logger;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = options.logger.child({ component: 'outbox-relay', topic: options.topic });
  }

  start(): void {
    this.running ??= this.loop().catch((error: unknown) =>
      this.logger.error({ err: error }, 'outbox relay ended unexpectedly'),
    );
  }

  wake(): void {
    this.wakeup.wake();
  }

  status(): { role: RelayRole; published: number; lastError: string | undefined } {
    return { role: this.role, published: this.published, lastError: this.lastError };
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    await this.dropProducer();
    this.role = 'stopped';
  }

  private async loop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const lease = await acquireLease(this.options.pool, `${SCHEMA}-outbox-relay`, {
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
      try {
        await this.relayWhile(AbortSignal.any([this.stopping.signal, lease.lost]));
        if (lease.lost.aborted) this.logger.warn('outbox relay lost its lease; standing by');
      } finally {
        this.role = 'standby';
        await this.dropProducer();
        await lease.release();
      }
    }
  }

  private async relayWhile(session: AbortSignal): Promise<void> {
    const { pool, batchSize = 500, pollIntervalMs = 1_000 } = this.options;
    let failures = 0;
    while (!session.aborted) {
      try {
        this.wakeup.arm();
        const { rows } = await pool.query<OutboxRow>(
          // `order by o.position`, the bigint: the text column of the same name would sort '10' before '9'.
          `select o.id, o.position::text as position, o.notification_id, o.type, o.payload, o.traceparent, o.created_at
             from ${SCHEMA}.outbox o where o.published_at is null order by o.position limit $1`,
          [batchSize],
        );
        if (rows.length > 0) {
          const producer = await this.connectedProducer();
          await producer.send({
            topic: this.options.topic,
            acks: -1,
            messages: rows.map(toNotificationMessage),
          });
          // Only now, with Kafka's acknowledgement in hand, are the rows published.
          await pool.query(`update ${SCHEMA}.outbox set published_at = now() where id = any ($1::uuid[])`, [
            rows.map((row) => row.id),
          ]);
          this.published += rows.length;
          this.options.onPublished?.(rows.length);
          this.lastError = undefined;
          failures = 0;
          continue;
        }
        await this.cleanup();
        await this.wakeup.wait(pollIntervalMs, session);
      } catch (error) {
        if (session.aborted) break;
        failures += 1;
        this.lastError = error instanceof Error ? error.message : String(error);
        const retryInMs = backoffDelay(failures, { initialDelayMs: 250, maxDelayMs: 10_000 });
        this.logger.warn({ err: error, retryInMs }, 'outbox relay failed; retrying');
        await this.dropProducer();
        await this.wakeup.wait(retryInMs, session);
      }
    }
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = Date.now();
    const retentionMs = this.options.retentionMs ?? 7 * 86_400_000;
    await this.options.pool.query(
      `delete from ${SCHEMA}.outbox where published_at < now() - make_interval(secs => $1)`,
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
