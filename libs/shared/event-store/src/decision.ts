import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { EventIdConflict, WrongExpectedVersion } from './errors';
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
  const expected = options.revision < 0n ? 'no_stream' : options.revision;
  // A span of its own: the adapter may commit several appends in one statement, outside this trace.
  return tracer.startActiveSpan(
    'eventstore.append',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'roomledger.event_store.stream': streamName,
        'roomledger.event_store.expected_revision': String(expected),
        'roomledger.event_store.event_count': events.length,
        'roomledger.event_store.event_types': [...new Set(decided.map((event) => event.type))],
      },
    },
    async (span) => {
      try {
        const result = await store.append(streamName, events, { expected });
        span.setAttributes({
          'roomledger.event_store.outcome': 'appended',
          'roomledger.event_store.next_revision': result.nextExpectedRevision.toString(),
        });
        return result;
      } catch (error) {
        if (error instanceof EventIdConflict) {
          span.setAttribute('roomledger.event_store.outcome', 'already_applied');
          return 'already_applied';
        }
        if (error instanceof WrongExpectedVersion) {
          span.setAttribute('roomledger.event_store.outcome', 'wrong_expected_version');
        } else {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        }
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

const tracer = trace.getTracer('roomledger-event-store');
