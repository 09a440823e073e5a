import {
  compareCheckpoints,
  type Checkpoint,
  type EventStore,
  type EventTypeFilter,
  type Subscription,
} from '@roomledger/event-store';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { withoutInstrumentation, type Lag } from '@roomledger/observability';
import {
  acquireLease,
  ensureCheckpointTable,
  eventStoreLag,
  loadCheckpoint,
  storeCheckpoint,
  type Queryable,
} from '@roomledger/projections';
import type { Pool } from 'pg';
import { backoffDelay, type Backoff } from '@roomledger/retry';
import { startPublishSpan } from './publish-span';
import { toKafkaMessage, type IntegrationMapper } from './relay-message';

/** How often, at most, the relay stores its checkpoint while it moves (see {@link RelayStatus.checkpoint}). */
const CHECKPOINT_STORE_INTERVAL_MS = 1_000;

/**
 * The outbox relay: the event store is the outbox. A catch-up subscription with its own checkpoint
 * maps each batch of domain events to public integration events (CloudEvents, binary mode) and
 * produces the batch with an idempotent producer and `acks=all`; the checkpoint moves only after
 * Kafka acknowledged the whole batch.
 *
 * The checkpoint moves in memory with every acknowledged batch and is stored at most once a second
 * (a second at most after it last moved), and when the relay stops or loses its lease, as a Kafka
 * consumer commits its offsets. Under load that is one write a second instead of one for every live
 * read (about 40 a second under the booking benchmark's load). A failed write is logged and retried at
 * the next one; nothing is re-sent while the relay runs.
 *
 * Delivery is at-least-once: after a crash, what was published since the last stored checkpoint (at
 * most about a second of events) is published again, and a produce that timed out after the broker
 * wrote it is re-sent too. Consumers deduplicate by `ce_id` (the event id). A clean `stop()` finishes
 * the batch in hand, stores its checkpoint and sends nothing twice.
 *
 * A failure (Kafka unreachable, a produce rejected, the store's read failing, the mapper throwing)
 * never skips anything: the relay logs it, keeps it in `status().lastError`, backs off and resumes
 * from its checkpoint (the last batch Kafka acknowledged), forever, until stopped.
 *
 * With `leaderPool`, every instance may run the relay: only the holder of the relay's lease (a
 * PostgreSQL advisory lock, see `acquireLease`) publishes, the others stand by and take over when it
 * dies, reloading the checkpoint first. Without it, run one instance per relay name: a second one would
 * not lose anything, but would publish everything twice.
 */
export interface RelayOptions {
  /** Names the checkpoint row; one per (service, topic), e.g. `booking-events`. */
  readonly name: string;
  readonly store: EventStore;
  /** Stream categories to relay (`roomSchedule`, not `roomSchedule-`); omit for all of `$all`. */
  readonly categories?: readonly string[];
  /**
   * Only these event types of the categories named (e.g. `{ roomSchedule: ['SeriesOccurrencesSkipped'] }`):
   * for a relay whose `map` publishes a few types of a busy category, the store then never sends the
   * others. The checkpoint still moves past them, and `lag()` counts only the kept ones.
   */
  readonly eventTypes?: EventTypeFilter;
  readonly kafka: Kafka;
  readonly topic: string;
  /** Domain event → public message, or `null` for an internal event that is not published. */
  readonly map: IntegrationMapper;
  /** Where the checkpoint lives (a `pg` Pool, usually the service's own database). */
  readonly pool: Queryable;
  readonly logger: Logger;
  /** `ce_source`, e.g. `/roomledger/booking`. */
  readonly source: string;
  /** Events per subscription batch, hence at most this many messages per produce request (default 500). */
  readonly batchSize?: number;
  /** Schema of the checkpoint table, the shared `<schema>.checkpoints` of `@roomledger/projections` (default `relay`). */
  readonly checkpointSchema?: string;
  /** Back-off after consecutive failures (default: 250 ms doubling to 10 s, half of it jittered). */
  readonly retry?: Backoff;
  /** How long `stop()` lets an in-flight produce finish before disconnecting the producer (default 10,000 ms). */
  readonly stopTimeoutMs?: number;
  /** Publish only while holding the relay's lease, taken on a connection of this pool (one relay per deployment). */
  readonly leaderPool?: Pool;
  /** How often a standby instance tries to take the lease over (default 2,000 ms). */
  readonly leaseRetryMs?: number;
}

export interface RelayStatus {
  readonly name: string;
  /** False once stopped. */
  readonly running: boolean;
  /** This instance publishes (always true without `leaderPool`; false while standing by). */
  readonly leader: boolean;
  /** Everything visible in the store was published at the last batch (see `checkpoint` for when it is stored). */
  readonly caughtUp: boolean;
  /**
   * Where this relay has relayed up to (`undefined`: nothing yet): Kafka acknowledged everything before it.
   * Stored at most once a second, a second at most after it moved, and as the relay stops.
   */
  readonly checkpoint: Checkpoint | undefined;
  /** Messages Kafka acknowledged since this relay started. */
  readonly published: number;
  /** Failures since this relay started (each one followed by a back-off and a resume from the checkpoint). */
  readonly failures: number;
  /** The last failure's message; cleared when a batch goes through again. */
  readonly lastError: string | undefined;
}

export interface Relay {
  status(): RelayStatus;
  /**
   * How far the relay is behind the store in its categories: events not yet published and the age of the
   * oldest (the lag gauges). From this instance's checkpoint while it holds the lease; from the stored
   * one (whichever instance holds it) otherwise.
   */
  lag(): Promise<Lag>;
  /** Finishes the batch in hand (publish, then checkpoint), then stops and disconnects. */
  stop(): Promise<void>;
}

/**
 * Starts a relay and resolves once its checkpoint table exists and its checkpoint is loaded; it then
 * runs in the background until {@link Relay.stop}. Kafka need not be reachable yet.
 */
export async function runRelay(options: RelayOptions): Promise<Relay> {
  if (!options.source.startsWith('/')) {
    throw new Error(
      `relay source must look like /roomledger/<service>, not ${JSON.stringify(options.source)}`,
    );
  }
  const schema = options.checkpointSchema ?? 'relay';
  const retry: Backoff = { initialDelayMs: 250, maxDelayMs: 10_000, jitter: 0.5, ...options.retry };
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const logger = options.logger.child({ component: 'relay', relay: options.name, topic: options.topic });

  await ensureCheckpointTable(options.pool, schema);
  let checkpoint = await loadCheckpoint(options.pool, options.name, schema);
  /** The checkpoint moved past what is stored: stored by the once-a-second tick of {@link relayWhile}, and as it ends. */
  let unstored: Checkpoint | undefined;
  let storing: Promise<void> | undefined;

  let running = true;
  let leader = false;
  let caughtUp = false;
  let published = 0;
  let failures = 0;
  let lastError: string | undefined;
  let producer: Producer | undefined;
  const stopping = new AbortController();

  const connectedProducer = async (): Promise<Producer> => {
    if (producer) return producer;
    const created = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Bounded, so that a failure surfaces in status() and the relay's own loop retries (from the
      // checkpoint, never skipping). kafkajs warns that limited retries weaken its exactly-once
      // guarantee: we only promise at-least-once, and consumers dedupe by ce_id.
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    try {
      await created.connect();
    } catch (error) {
      await created.disconnect().catch(() => undefined);
      throw error;
    }
    producer = created;
    return created;
  };

  const dropProducer = async (): Promise<void> => {
    const current = producer;
    producer = undefined;
    await current?.disconnect().catch(() => undefined);
  };

  const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });

  /** Each message in the trace of the request that appended its event (see `startPublishSpan`). */
  const publish = async (messages: Message[], spans: Span[]): Promise<void> => {
    try {
      const ready = await connectedProducer();
      await withoutInstrumentation(() => ready.send({ topic: options.topic, acks: -1, messages }));
    } catch (error) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  };

  /** Relays until `session` aborts (stop, or the lease lost). */
  const relayWhile = async (session: AbortSignal): Promise<void> => {
    let consecutiveFailures = 0;
    // A failed store is tried again at the next tick, whether or not the checkpoint moves meanwhile.
    const ticker = setInterval(() => {
      storing ??= storeUnstored().finally(() => {
        storing = undefined;
      });
    }, CHECKPOINT_STORE_INTERVAL_MS);
    ticker.unref();
    while (!session.aborted) {
      let subscription: Subscription | undefined;
      try {
        subscription = options.store.subscribe({
          from: checkpoint,
          categories: options.categories,
          eventTypes: options.eventTypes,
          batchSize: options.batchSize,
          signal: session,
        });
        for await (const batch of subscription) {
          const messages: Message[] = [];
          const spans: Span[] = [];
          for (const event of batch.events) {
            const mapped = options.map(event);
            if (!mapped) continue;
            const message = toKafkaMessage(event, mapped, options.source);
            const span = startPublishSpan(
              options.topic,
              { eventId: event.eventId, type: event.type, ...event.metadata },
              message,
              options.name,
            );
            if (span) spans.push(span);
            messages.push(message);
          }
          if (messages.length > 0) {
            await publish(messages, spans);
            published += messages.length;
          }
          // Only now, with Kafka's acknowledgement in hand (or nothing to publish), does the checkpoint move.
          if (batch.checkpoint !== undefined && compareCheckpoints(batch.checkpoint, checkpoint) > 0) {
            checkpoint = batch.checkpoint;
            unstored = checkpoint;
          }
          if (batch.caughtUp && !caughtUp) logger.info({ checkpoint, published }, 'relay caught up');
          caughtUp = batch.caughtUp;
          lastError = undefined;
          consecutiveFailures = 0;
        }
      } catch (error) {
        if (session.aborted) break;
        failures += 1;
        consecutiveFailures += 1;
        caughtUp = false;
        lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        const retryInMs = backoffDelay(consecutiveFailures, retry);
        logger.warn({ err: error, checkpoint, retryInMs }, 'relay failed; resuming from its checkpoint');
        await subscription?.stop().catch(() => undefined);
        await dropProducer();
        await sleep(retryInMs, session);
      } finally {
        await subscription?.stop().catch(() => undefined);
      }
    }
    clearInterval(ticker);
    await storing;
    await storeUnstored();
  };

  /** Stores the checkpoint the relay moved to, if it is not stored yet; a failure is logged and left for the next store. */
  const storeUnstored = async (): Promise<void> => {
    const pending = unstored;
    if (pending === undefined) return;
    unstored = undefined;
    try {
      // Forwards only, so harmless if the next lease holder stored a later one meanwhile.
      await storeCheckpoint(options.pool, options.name, pending, schema);
    } catch (error) {
      logger.warn({ err: error, checkpoint: pending }, 'relay could not store its checkpoint');
      if (unstored === undefined) unstored = pending;
    }
  };

  const loop = async (): Promise<void> => {
    if (!options.leaderPool) {
      leader = true;
      await relayWhile(stopping.signal);
      return;
    }
    while (!stopping.signal.aborted) {
      const lease = await acquireLease(options.leaderPool, `relay:${options.name}`, {
        signal: stopping.signal,
        retryMs: options.leaseRetryMs,
      });
      if (!lease) break;
      try {
        // Another instance may have relayed meanwhile: resume from what it stored.
        checkpoint = await loadCheckpoint(options.pool, options.name, schema);
        leader = true;
        logger.info({ checkpoint }, 'relay took the lease');
        await relayWhile(AbortSignal.any([stopping.signal, lease.lost]));
        if (lease.lost.aborted) logger.warn('relay lost its lease; standing by');
      } catch (error) {
        logger.warn({ err: error }, 'relay could not start its lease');
        await sleep(options.leaseRetryMs ?? 2_000, stopping.signal);
      } finally {
        leader = false;
        caughtUp = false;
        await dropProducer();
        await lease.release();
      }
    }
  };

  const finished = loop()
    .catch((error: unknown) => logger.error({ err: error }, 'relay loop ended unexpectedly'))
    .finally(() => {
      running = false;
    });

  let stopped: Promise<void> | undefined;
  return {
    status: () => ({
      name: options.name,
      running,
      leader,
      caughtUp,
      checkpoint,
      published,
      failures,
      lastError,
    }),
    lag: async () =>
      eventStoreLag(
        options.store,
        leader ? checkpoint : await loadCheckpoint(options.pool, options.name, schema),
        options.categories,
        options.eventTypes,
      ),
    stop: () =>
      (stopped ??= (async () => {
        stopping.abort();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, stopTimeoutMs);
        });
        await Promise.race([finished, timedOut]);
        clearTimeout(timer);
        await dropProducer();
        await finished;
        running = false;
        logger.info({ checkpoint, published }, 'relay stopped');
      })()),
  };
}
