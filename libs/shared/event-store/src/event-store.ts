import type { Checkpoint } from './checkpoint';
import type { EventLike, NewEvent, RecordedEvent } from './event';
import type { ExpectedState, StreamState } from './expected-state';

/**
 * The event store port. Semantics follow EventStoreDB (0-based bigint revisions, expected states,
 * idempotent re-append by event id, one global order); every adapter passes the same contract suite
 * (`@roomledger/event-store/contract`).
 */
export interface EventStore {
  /**
   * Appends events to a stream atomically, if the stream is in the `expected` state (default `'any'`).
   *
   * Re-appending events whose ids are already in the stream, as one run at the expected place, is a
   * no-op that reports success with the original result. Throws {@link WrongExpectedVersion} when the
   * stream is in another state, {@link EventIdConflict} when only some of the ids are already there.
   */
  append<E extends EventLike>(
    streamName: string,
    events: readonly NewEvent<E>[],
    options?: AppendOptions,
  ): Promise<AppendResult>;

  /** The stream's current state: `'no_stream'` or the revision of its last event. */
  streamState(streamName: string): Promise<StreamState>;

  /**
   * Reads one stream in revision order, lazily, a page at a time. A stream that does not exist reads
   * as empty. Stop early by breaking out of the loop.
   */
  readStream<E extends EventLike = EventLike>(
    streamName: string,
    options?: ReadStreamOptions,
  ): AsyncIterable<RecordedEvent<E>>;

  /**
   * Reads `$all` forwards in the global order, after `from` (exclusive), up to what is visible now, lazily.
   * Never returns an event out of order: what it reads is final, so a checkpoint taken from it is safe.
   */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  /**
   * A catch-up subscription: reads history after `from` (exclusive), then follows new events live,
   * yielding batches until stopped. See {@link Subscription}.
   */
  subscribe(options?: SubscribeOptions): Subscription;

  /** Keeps the latest snapshot of a stream's state (at `revision`). */
  saveSnapshot(streamName: string, revision: bigint, state: unknown): Promise<void>;

  /** The latest snapshot of a stream, if any. */
  loadSnapshot<S = unknown>(streamName: string): Promise<Snapshot<S> | undefined>;

  /** Stops subscriptions and releases connections. */
  close(): Promise<void>;
}

export interface AppendOptions {
  /** Default `'any'`. Deciders pass the revision their decision was made on. */
  readonly expected?: ExpectedState;
}

export interface AppendResult {
  /** The revision of the stream's last event after this append: pass it as `expected` next time. */
  readonly nextExpectedRevision: bigint;
  /** Global position of the last event written (of the original append, for an idempotent retry). */
  readonly position: bigint;
  /**
   * Checkpoint of the last event written. A subscriber whose checkpoint is at or after it has seen this
   * append (read-your-writes for projections: wait until `compareCheckpoints(projection, this) >= 0`).
   */
  readonly checkpoint: Checkpoint;
}

export type ReadDirection = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Default `'forwards'`. */
  readonly direction?: ReadDirection;
  /**
   * First revision to read (inclusive). Default: `'start'` forwards, `'end'` backwards.
   */
  readonly from?: bigint | 'start' | 'end';
  /** At most this many events. */
  readonly limit?: number | bigint;
  /** Page size hint for adapters that page themselves (PostgreSQL; default 500). */
  readonly batchSize?: number;
}

export interface ReadAllOptions {
  /** Read after this checkpoint (exclusive); omit to start at the beginning. */
  readonly from?: Checkpoint;
  /** Only events of streams in these categories (`roomSchedule`, not `roomSchedule-`). */
  readonly categories?: readonly string[];
  /** Only these event types of the categories named here (see {@link EventTypeFilter}). */
  readonly eventTypes?: EventTypeFilter;
  /** At most this many events. */
  readonly limit?: number;
  readonly batchSize?: number;
}

export interface SubscribeOptions {
  /** Resume after this checkpoint (exclusive); omit to start at the beginning of `$all`. */
  readonly from?: Checkpoint;
  /** Only events of streams in these categories (`roomSchedule`, not `roomSchedule-`); omit for all. */
  readonly categories?: readonly string[];
  /**
   * Only these event types of the categories named here (see {@link EventTypeFilter}). The checkpoint
   * still moves past the events left out: a batch may then carry no events and a later checkpoint
   * (`caughtUp` true), to be stored like any other, so a restart does not read them again. Adapters
   * that cannot tell (EventStoreDB) move it only with delivered events, which is correct, just slower.
   */
  readonly eventTypes?: EventTypeFilter;
  /** Most events in one batch (default 500). */
  readonly batchSize?: number;
  /** Aborting it stops the subscription, like {@link Subscription.stop}. */
  readonly signal?: AbortSignal;
}

/**
 * Event types to keep, by category: `{ roomSchedule: ['SeriesOccurrencesSkipped'] }` keeps only that
 * type of `roomSchedule` streams and every event of the other categories read. Each key must be one of
 * the read's `categories` (when it names them); each list names at least one type. Filtering here, not in
 * the caller, lets the store leave out events nobody would use (PostgreSQL never sends their rows).
 */
export type EventTypeFilter = { readonly [category: string]: readonly string[] };

/**
 * A catch-up subscription, consumed with `for await`. Each batch is meant to be handled as a unit:
 * apply its events and store `batch.checkpoint` in the same transaction (or after the effects are
 * durable, as a relay does after Kafka acknowledged); resume later with `from: storedCheckpoint`.
 * Nothing at or before a checkpoint is delivered again; nothing after it is skipped.
 *
 * Iterate it once. Breaking out of the loop, `stop()` or the abort signal end it.
 */
export interface Subscription extends AsyncIterable<SubscriptionBatch> {
  stop(): Promise<void>;
}

export interface SubscriptionBatch<E extends EventLike = EventLike> {
  /**
   * In global order. Empty only in a batch that reports `caughtUp`: the first one at the end of history,
   * or one whose checkpoint moved past events an `eventTypes` filter left out.
   */
  readonly events: readonly RecordedEvent<E>[];
  /**
   * The checkpoint after this batch (its last event's, or later past events an `eventTypes` filter left
   * out), or the `from` it started with.
   */
  readonly checkpoint: Checkpoint | undefined;
  /**
   * True when nothing more was visible after this batch when it was read: the subscriber has caught up
   * (ready, lag ~0). Reported at least once on reaching the end of history (with an empty batch if
   * need be), then on every batch read while live.
   */
  readonly caughtUp: boolean;
}

export interface Snapshot<S = unknown> {
  readonly streamName: string;
  /** The stream revision the state includes. */
  readonly revision: bigint;
  readonly state: S;
  readonly createdAt: Date;
}
