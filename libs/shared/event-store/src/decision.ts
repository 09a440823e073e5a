import { EventIdConflict } from './errors';
import type { EventLike, EventMetadata, NewEvent } from './event';
import { eventIdFor } from './event-id';
import type { AppendResult, EventStore } from './event-store';

export interface DecisionOptions {
  /** The stream revision the decision was made on (-1n: the stream did not exist). */
  readonly revision: bigint;
  /** Names the decision: event ids derive from it, so the same command appends nothing twice. */
  readonly commandId: string;
  /** Who decided; stored in each event's metadata as `actorId`. */
  readonly actorId: string;
  /** Correlation, causation and trace context to store with each event. */
  readonly metadata?: EventMetadata;
}

/**
 * Appends what a decider decided for one command, with the revision it decided on as the expected one:
 * event `i` gets the id `eventIdFor(commandId, i)` and metadata naming the command and its actor.
 * `WrongExpectedVersion` (another writer came first) propagates: the caller re-reads and re-decides.
 * `already_applied`: the stream already holds this command's events from an earlier decision (a
 * redelivered message, a retried request decided again on a newer state); it took effect then, and
 * appending it again would undo what came after it.
 */
export async function appendDecision<E extends EventLike>(
  store: EventStore,
  streamName: string,
  decided: readonly E[],
  options: DecisionOptions,
): Promise<AppendResult | 'already_applied'> {
  const { commandId, actorId } = options;
  const metadata: EventMetadata = {
    ...options.metadata,
    commandId,
    actorId,
    causationId: options.metadata?.causationId ?? commandId,
  };
  const events: NewEvent<E>[] = decided.map((event, index) => ({
    ...event,
    eventId: eventIdFor(commandId, index),
    metadata,
  }));
  try {
    return await store.append(streamName, events, {
      expected: options.revision < 0n ? 'no_stream' : options.revision,
    });
  } catch (error) {
    if (error instanceof EventIdConflict) return 'already_applied';
    throw error;
  }
}
