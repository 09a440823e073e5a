import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  type AppendExpectedRevision,
  type CurrentRevision,
  type Position,
} from '@eventstore/db-client';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  type Checkpoint,
  type EventMetadata,
  type EventTypeFilter,
  type ExpectedState,
  type RecordedEvent,
  type StreamState,
} from '@roomledger/event-store';

/** Our expected states are EventStoreDB's, spelled the same. */
export function toExpectedRevision(expected: ExpectedState): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

/** EventStoreDB reports a missing stream as `no_stream` or, from some servers, as revision -1. */
export function toStreamState(actual: CurrentRevision | undefined): StreamState {
  return actual === undefined || actual === NO_STREAM || actual < 0n ? 'no_stream' : actual;
}

/** A checkpoint is EventStoreDB's `$all` position: commit position first, prepare position second. */
export function toCheckpoint(position: Position): Checkpoint {
  return encodeCheckpoint({ major: position.commit, minor: position.prepare });
}

export function toPosition(checkpoint: Checkpoint): Position {
  const { major, minor } = decodeCheckpoint(checkpoint);
  return { commit: major, prepare: minor };
}

/** The fields of a recorded EventStoreDB event this adapter reads. */
export interface EsdbRecordedEvent {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly created: Date;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: Position;
}

/** Needs the event's position, which stream reads carry from EventStoreDB 22.6 on. */
export function toRecordedEvent(event: EsdbRecordedEvent, commitPosition?: bigint): RecordedEvent {
  const position =
    event.position ??
    (commitPosition === undefined ? undefined : { commit: commitPosition, prepare: commitPosition });
  if (position === undefined) {
    throw new Error(
      `EventStoreDB returned ${event.streamId}@${event.revision} without a position; use EventStoreDB 22.6 or later`,
    );
  }
  return {
    eventId: event.id,
    type: event.type,
    data: event.data,
    metadata: isObject(event.metadata) ? (event.metadata as EventMetadata) : {},
    streamName: event.streamId,
    revision: event.revision,
    position: position.commit,
    checkpoint: toCheckpoint(position),
    createdAt: event.created,
  };
}

/**
 * Server-side stream-name filter for a subscription: the categories' streams (`^(a|b)(-|$)`), or,
 * for everything, every stream but system ones (`$`-prefixed, which includes our `$snapshot-` streams).
 */
export function streamNameRegex(categories: readonly string[] | undefined): string {
  if (categories === undefined) return '^[^$]';
  return `^(${categories.map(escapeRegex).join('|')})(-|$)`;
}

/** Server-side event-type filter: exactly the types any category keeps (`^(A|B)$`). */
export function eventTypeRegex(eventTypes: EventTypeFilter): string {
  const types = [...new Set(Object.values(eventTypes).flat())];
  return `^(${types.map(escapeRegex).join('|')})$`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
