import { describeStreamState, type ExpectedState, type StreamState } from './expected-state';

/** The stream was not in the state the append expected: someone else wrote first. Re-read and re-decide. */
export class WrongExpectedVersion extends Error {
  override readonly name = 'WrongExpectedVersion';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedState,
    /** The stream's state when the append was refused; `'no_stream'` if it does not exist. */
    readonly actual: StreamState,
  ) {
    super(
      `wrong expected version on ${streamName}: expected ${describeStreamState(expected)}, actual ${describeStreamState(actual)}`,
    );
  }
}

/**
 * Some, but not all, of the appended event ids are already in the stream (or all are, but not as one
 * run in the same order). That is never a retry of the same append; it is a bug in how ids are derived.
 */
export class EventIdConflict extends Error {
  override readonly name = 'EventIdConflict';
  constructor(
    readonly streamName: string,
    readonly eventIds: readonly string[],
  ) {
    super(`event ids already used differently in ${streamName}; an append must reuse all of its ids or none`);
  }
}

/** An append or read that could never be valid (bad stream name, no events, malformed id ...). */
export class InvalidEventStoreRequest extends Error {
  override readonly name: string = 'InvalidEventStoreRequest';
}

/**
 * Event data or metadata holds a NUL character (U+0000) in a string or an object key. PostgreSQL's
 * jsonb cannot store it, so every adapter refuses it before writing anything. It is a caller's input
 * that got past the domain's checks, so it carries the API's `validation_failed` code
 * (libs/contracts/src/error-codes.ts), which the services' gRPC error filter answers as INVALID_ARGUMENT.
 */
export class UnstorableEventData extends InvalidEventStoreRequest {
  override readonly name: string = 'UnstorableEventData';
  readonly code = 'validation_failed';
}
