import type { Checkpoint } from './checkpoint';

/**
 * What an event looks like on its way into the store and on its way out.
 *
 * `data` and `metadata` must survive a JSON round trip: both adapters store JSON.
 */

/** The minimum every event has: a discriminating `type` and its JSON payload. */
export interface EventLike {
  readonly type: string;
  readonly data: unknown;
}

/**
 * Metadata stored beside each event. The typed fields are the ones every service relies on
 * (tracing and causality); anything else a writer needs goes into extra fields.
 */
export interface EventMetadata {
  /** The id shared by everything one request or workflow caused. */
  readonly correlationId?: string;
  /** The id of the command or event that directly caused this event. */
  readonly causationId?: string;
  /** W3C trace context of the append, restored by the relay so one trace spans the whole flow. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly [extra: string]: unknown;
}

/** An event to append. Without `eventId` the store draws a random one, so a retry would not be idempotent. */
export type NewEvent<E extends EventLike = EventLike> = E & {
  /** A UUID; derive it from the command with {@link eventIdFor} so that a retried command appends nothing twice. */
  readonly eventId?: string;
  readonly metadata?: EventMetadata;
};

/** An event as stored. */
export type RecordedEvent<E extends EventLike = EventLike> = E & {
  readonly eventId: string;
  readonly metadata: EventMetadata;
  readonly streamName: string;
  /** 0-based position of the event in its stream. */
  readonly revision: bigint;
  /**
   * The event's global position: unique across the store and increasing within a stream, but — in the
   * PostgreSQL store — not necessarily increasing in `$all` order across streams. Use `checkpoint` to resume.
   */
  readonly position: bigint;
  /** Where the event sits in the one global (`$all`) order; resume a read or a subscription after it. */
  readonly checkpoint: Checkpoint;
  readonly createdAt: Date;
};

/**
 * A stream's category: its name up to the first '-' (`roomSchedule-42` → `roomSchedule`).
 * A name without '-' is its own category.
 */
export function categoryOf(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash === -1 ? streamName : streamName.slice(0, dash);
}
