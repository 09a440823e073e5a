import type { Kafka, Producer } from 'kafkajs';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { backoffDelay } from '@roomledger/retry';
import { OUTBOX_CHANNEL, SCHEMA } from '../persistence/schema';
import { USER_EVENTS_TOPIC, toOutboxMessage, type OutboxRow } from './outbox-message';

export interface OutboxRelayOptions {
  readonly databaseUrl: string;
  readonly kafka: Kafka;
  readonly logger: Logger;
  /** Rows per produce request (default 500). */
  readonly batchSize?: number;
  /** How long to wait for a NOTIFY before looking anyway (default 1 000 ms). */
  readonly pollIntervalMs?: number;
  /** How often a standby instance tries to take over (default 2 000 ms). */
  readonly standbyIntervalMs?: number;
  /** Published rows are kept this long, then deleted (default 7 days, the topic's retention). */
  readonly retentionMs?: number;
  readonly onPublished?: (count: number) => void;
}

export type RelayRole = 'starting' | 'standby' | 'leader' | 'stopped';

export interface OutboxRelayStatus {
  readonly role: RelayRole;
  readonly published: number;
  readonly lastError: string | undefined;
}

const LOCK_KEY = `roomledger.${SCHEMA}:outbox-relay`;
const CLEANUP_EVERY_MS = 10 * 60_000;

/**
 * Publishes the outbox to `user.events.v1`, in position order, with an idempotent producer and
 * `acks=all`; a row is marked published only after Kafka acknowledged it. At least once: a crash between
 * the acknowledgement and the mark re-sends the batch, with the same `ce_id`s.
 *
 * One instance relays at a time: it holds `pg_try_advisory_lock` on a connection of its own (reads and
 * marks go through that connection too, so losing it means losing the lock and stopping); the others
 * stand by and retry the lock. A committed outbox row wakes the leader by NOTIFY; it also polls, in case
 * a notification is lost.
 */
export class OutboxRelay {
  private role: RelayRole = 'starting';
  private published = 0;
  private lastError: string | undefined;
  private stopping = false;
  private running: Promise<void> | undefined;
  private woken = false;
  private waiter: (() => void) | undefined;
  private client: Client | undefined;
  private producer: Producer | undefined;
  private lastCleanup = 0;
  private readonly logger: Logger;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = options.logger.child({ component: 'outbox-relay', topic: USER_EVENTS_TOPIC });
  }

  start(): void {
    this.running ??= this.loop();
  }

  status(): OutboxRelayStatus {
    return { role: this.role, published: this.published, lastError: this.lastError };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp();
    await this.running;
    this.role = 'stopped';
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.connect();
        if (!(await this.acquireLock())) continue;
        failures = 0;
        await this.relay(() => {
          failures = 0;
        });
      } catch (error) {
        if (this.stopping) break;
        failures += 1;
        this.lastError = error instanceof Error ? error.message : String(error);
        const retryInMs = backoffDelay(failures, { initialDelayMs: 250, maxDelayMs: 10_000 });
        this.logger.warn({ err: error, retryInMs }, 'outbox relay failed; retrying');
        await this.release();
        await this.sleep(retryInMs);
      }
    }
    await this.release();
  }

  private async connect(): Promise<void> {
    if (this.client) return;
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: 'roomledger-user-outbox-relay',
    });
    client.on('error', (error) => {
      this.lastError = error.message;
      this.wakeUp();
    });
    client.on('notification', () => this.wakeUp());
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
  }

  /** True once this instance leads; false after a standby interval (another instance leads). */
  private async acquireLock(): Promise<boolean> {
    const { rows } = await this.client!.query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtext($1)) as locked',
      [LOCK_KEY],
    );
    if (rows[0].locked) {
      await this.client!.query(`listen ${OUTBOX_CHANNEL}`);
      this.role = 'leader';
      this.logger.info('outbox relay leads');
      return true;
    }
    if (this.role !== 'standby') this.logger.info('another instance relays the outbox; standing by');
    this.role = 'standby';
    await this.sleep(this.options.standbyIntervalMs ?? 2_000);
    return false;
  }

  private async relay(onProgress: () => void): Promise<void> {
    const client = this.client!;
    const batchSize = this.options.batchSize ?? 500;
    while (!this.stopping) {
      // Anything committed before this read is in it; a NOTIFY from now on makes the next wait return at once.
      this.woken = false;
      const { rows } = await client.query<OutboxRow>(
        // `order by o.position`, the bigint: a bare `position` would name the text output column, and
        // '10' sorts before '9'.
        `select o.id, o.position::text as position, o.user_id, o.type, o.payload, o.traceparent, o.tracestate,
                o.created_at
           from ${SCHEMA}.outbox o where o.published_at is null order by o.position limit $1`,
        [batchSize],
      );
      if (rows.length > 0) {
        const producer = await this.connectedProducer();
        await producer.send({ topic: USER_EVENTS_TOPIC, acks: -1, messages: rows.map(toOutboxMessage) });
        // Only now, with Kafka's acknowledgement in hand, are the rows published.
        await client.query(`update ${SCHEMA}.outbox set published_at = now() where id = any ($1::uuid[])`, [
          rows.map((row) => row.id),
        ]);
        this.published += rows.length;
        this.options.onPublished?.(rows.length);
        this.lastError = undefined;
        onProgress();
        continue;
      }
      await this.cleanup();
      await this.sleep(this.options.pollIntervalMs ?? 1_000);
    }
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = Date.now();
    const retentionMs = this.options.retentionMs ?? 7 * 86_400_000;
    await this.client!.query(
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

  /** Drops the connection (and with it the lock) and the producer; the loop starts over. */
  private async release(): Promise<void> {
    const client = this.client;
    const producer = this.producer;
    this.client = undefined;
    this.producer = undefined;
    if (this.role === 'leader') this.role = 'starting';
    await producer?.disconnect().catch(() => undefined);
    await client?.end().catch(() => undefined);
  }

  /** A NOTIFY, a connection error or stop(): whoever waits looks again now. */
  private wakeUp(): void {
    this.woken = true;
    this.waiter?.();
  }

  /** Resolves after `ms`, or at once if woken since the last wait (a NOTIFY during a publish is not lost). */
  private sleep(ms: number): Promise<void> {
    if (this.stopping || this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiter = done;
    });
  }
}
