import { compareCheckpoints, type Checkpoint } from './checkpoint';
import type { RecordedEvent } from './event';
import type { Subscription, SubscriptionBatch } from './event-store';
import { assertBatchSize } from './validation';

/** What a push-based adapter (e.g. EventStoreDB's gRPC subscription) feeds into a {@link pushSubscription}. */
export interface SubscriptionSink {
  event(event: RecordedEvent): void;
  /** The source reached the live end of `$all`. */
  caughtUp(): void;
  /** The source is reading history again (it could not keep up live). */
  fellBehind(): void;
  fail(error: unknown): void;
  end(): void;
}

/** The adapter's side of a push subscription. */
export interface PushSource {
  close(): Promise<void>;
  /** Stop delivering for now (bounded memory); called when the buffer is full. */
  pause(): void;
  resume(): void;
  /** True when the source holds no delivered-but-unread events of its own. */
  isDrained(): boolean;
}

export interface PushSubscriptionOptions {
  readonly from?: Checkpoint;
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  /** Buffered events above which the source is paused (default 4 batches). */
  readonly highWaterMark?: number;
}

/**
 * Turns a push source into the port's batch-pulling {@link Subscription}: buffers with back-pressure,
 * cuts batches, reports `caughtUp` and drops anything at or before the checkpoint already delivered
 * (so an adapter whose "from" is inclusive, or that redelivers after a reconnect, stays exactly-once).
 */
export function pushSubscription(
  options: PushSubscriptionOptions,
  open: (sink: SubscriptionSink) => PushSource,
): Subscription {
  const batchSize = options.batchSize ?? 500;
  assertBatchSize(batchSize);
  const highWaterMark = Math.max(options.highWaterMark ?? batchSize * 4, batchSize);
  const lowWaterMark = Math.floor(highWaterMark / 2);

  const queue: RecordedEvent[] = [];
  let checkpoint = options.from;
  let lastQueued = options.from;
  let live = false;
  let caughtUpReported = false;
  let ended = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let paused = false;
  let source: PushSource | undefined;
  let wake: (() => void) | undefined;
  let iterated = false;

  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  const sink: SubscriptionSink = {
    event(event) {
      if (ended || compareCheckpoints(event.checkpoint, lastQueued) <= 0) return;
      lastQueued = event.checkpoint;
      queue.push(event);
      if (!paused && queue.length >= highWaterMark) {
        paused = true;
        source?.pause();
      }
      notify();
    },
    caughtUp() {
      live = true;
      notify();
    },
    fellBehind() {
      live = false;
      caughtUpReported = false;
    },
    fail(error) {
      failure ??= { error };
      notify();
    },
    end() {
      ended = true;
      notify();
    },
  };

  const stop = async (): Promise<void> => {
    stopped = true;
    ended = true;
    notify();
    const current = source;
    source = undefined;
    await current?.close();
  };

  const onAbort = (): void => void stop();

  async function* batches(): AsyncGenerator<SubscriptionBatch> {
    if (options.signal?.aborted) return;
    options.signal?.addEventListener('abort', onAbort, { once: true });
    source = open(sink);
    try {
      for (;;) {
        if (stopped) return;
        if (failure) throw failure.error;
        if (queue.length > 0) {
          const events = queue.splice(0, batchSize);
          checkpoint = events[events.length - 1].checkpoint;
          if (paused && queue.length <= lowWaterMark) {
            paused = false;
            source?.resume();
          }
          const caughtUp = live && queue.length === 0 && (source?.isDrained() ?? true);
          if (caughtUp) caughtUpReported = true;
          yield { events, checkpoint, caughtUp };
          continue;
        }
        if (ended) return;
        if (live && !caughtUpReported && (source?.isDrained() ?? true)) {
          caughtUpReported = true;
          yield { events: [], checkpoint, caughtUp: true };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await stop();
    }
  }

  return {
    stop,
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error('a subscription can be iterated only once');
      iterated = true;
      return batches();
    },
  };
}
