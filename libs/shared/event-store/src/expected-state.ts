/**
 * Optimistic concurrency, with EventStoreDB's vocabulary: an append states what it expects the stream
 * to be, and is refused if the stream is anything else.
 */
export type ExpectedState =
  /** Append whatever the stream's state. */
  | 'any'
  /** The stream must not exist yet. */
  | 'no_stream'
  /** The stream must exist (have at least one event). */
  | 'stream_exists'
  /** The stream's last event must have this 0-based revision. */
  | bigint;

/** What a stream actually is: absent, or the revision of its last event. */
export type StreamState = 'no_stream' | bigint;

export function expectedStateMatches(expected: ExpectedState, actual: StreamState): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === 'no_stream';
    case 'stream_exists':
      return actual !== 'no_stream';
    default:
      return actual === expected;
  }
}

/** Where the first of `count` appended events lands, if the append is accepted. */
export function firstRevisionAfter(actual: StreamState): bigint {
  return actual === 'no_stream' ? 0n : actual + 1n;
}

export function isExpectedState(value: unknown): value is ExpectedState {
  return (
    value === 'any' ||
    value === 'no_stream' ||
    value === 'stream_exists' ||
    (typeof value === 'bigint' && value >= 0n)
  );
}

export function describeStreamState(state: ExpectedState | StreamState): string {
  return typeof state === 'bigint' ? `revision ${state}` : state;
}
