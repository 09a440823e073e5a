import { propagation, ROOT_CONTEXT, SpanKind, trace, type Span } from '@opentelemetry/api';
import type { Message } from 'kafkajs';

/** What a relayed record says of itself: its event id and type, and the trace stored with it. */
export interface RelayedRecord {
  readonly eventId: string;
  readonly type: string;
  readonly traceparent?: unknown;
  readonly tracestate?: unknown;
}

const tracer = trace.getTracer('roomledger-messaging');

/**
 * Starts the producer span of one relayed message in the trace stored with its record (the request
 * that appended the event or wrote the outbox row) and points the message's `traceparent` at that span, so the consumer's span joins
 * the same trace. Events appended outside any trace (a background job) get no span.
 *
 * Send the messages with `withoutInstrumentation`: the kafkajs instrumentation would put the relay
 * loop's own context into every message instead.
 */
export function startPublishSpan(
  topic: string,
  event: RelayedRecord,
  message: Message,
  relay: string,
): Span | undefined {
  const { traceparent, tracestate } = event;
  if (typeof traceparent !== 'string' || traceparent === '') return undefined;
  const stored = propagation.extract(ROOT_CONTEXT, {
    traceparent,
    ...(typeof tracestate === 'string' ? { tracestate } : {}),
  });
  if (!trace.getSpanContext(stored)) return undefined;
  const span = tracer.startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': topic,
        'messaging.message.id': event.eventId,
        ...(typeof message.key === 'string' ? { 'messaging.kafka.message.key': message.key } : {}),
        'roomledger.relay': relay,
        'roomledger.event.type': event.type,
      },
    },
    stored,
  );
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(stored, span), carrier);
  message.headers = { ...message.headers, ...carrier };
  return span;
}
