import type { RecordedEvent } from '@roomledger/event-store';
import type { Message } from 'kafkajs';

/** What a relay's mapper makes of a domain event that is part of the public contract. */
export interface IntegrationMessage {
  /** The CloudEvents type, e.g. `roomledger.booking.confirmed.v1`. */
  readonly type: string;
  /** The CloudEvents subject: the aggregate the event is about, e.g. the booking id. */
  readonly subject: string;
  /** The message value, serialised as JSON. */
  readonly data: unknown;
  /** The Kafka key; default: the stream id (the stream name after its first '-'). */
  readonly key?: string;
}

/** Maps a stored event to its public message, or `null` for an internal event that is not published. */
export type IntegrationMapper = (event: RecordedEvent) => IntegrationMessage | null;

/** The id part of a stream name: `roomSchedule-42` → `42` (a name without '-' is its own id). */
export function streamIdOf(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash === -1 ? streamName : streamName.slice(dash + 1);
}

/** A Kafka message in the CloudEvents Kafka binding, binary mode. */
export function toKafkaMessage(event: RecordedEvent, message: IntegrationMessage, source: string): Message {
  const headers: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: event.eventId,
    ce_type: message.type,
    ce_source: source,
    ce_time: event.createdAt.toISOString(),
    ce_subject: message.subject,
    'content-type': 'application/json',
  };
  const { traceparent, tracestate } = event.metadata;
  if (typeof traceparent === 'string' && traceparent !== '') headers.traceparent = traceparent;
  if (typeof tracestate === 'string' && tracestate !== '') headers.tracestate = tracestate;
  return {
    key: message.key ?? streamIdOf(event.streamName),
    value: JSON.stringify(message.data ?? null),
    headers,
  };
}
