import { createHash } from 'node:crypto';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/** CloudEvents Kafka binding (binary mode) header names, as the public event contract uses them. */
export const CloudEventHeaders = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  subject: 'ce_subject',
  contentType: 'content-type',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/** A consumed integration event: the CloudEvents attributes from the headers and the JSON value as `data`. */
export interface EventEnvelope<D = unknown> {
  /** `ce_id`, the event id; see {@link fallbackEventId} for messages without one. */
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly time: Date;
  readonly subject: string;
  readonly traceparent?: string;
  readonly data: D;
}

/** Where a message sits, for the fallback id and for error reports. */
export interface MessageOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** The message breaks the contract (bad JSON, a missing attribute): retrying cannot help. */
export class MalformedMessage extends Error {
  override readonly name = 'MalformedMessage';
}

/**
 * Parses a consumed message into an {@link EventEnvelope}, or throws {@link MalformedMessage}.
 * `ce_type`, `ce_source`, `ce_time` (RFC 3339) and `ce_subject` are required, as the contract promises
 * them; the value must be JSON. A message without `ce_id` gets {@link fallbackEventId}.
 */
export function parseEnvelope(
  message: Pick<KafkaMessage, 'headers' | 'value'>,
  origin: MessageOrigin,
): EventEnvelope {
  const headers = message.headers ?? {};
  const required = (name: string): string => {
    const value = headerText(headers, name);
    if (value === undefined || value === '') throw new MalformedMessage(`header ${name} is missing`);
    return value;
  };
  const specversion = headerText(headers, CloudEventHeaders.specversion);
  if (specversion !== undefined && specversion !== '1.0') {
    throw new MalformedMessage(`unsupported ${CloudEventHeaders.specversion}: ${specversion}`);
  }
  const type = required(CloudEventHeaders.type);
  const source = required(CloudEventHeaders.source);
  const timeText = required(CloudEventHeaders.time);
  const time = new Date(timeText);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(timeText) || Number.isNaN(time.getTime())) {
    throw new MalformedMessage(`header ${CloudEventHeaders.time} is not an RFC 3339 time: ${timeText}`);
  }
  const subject = required(CloudEventHeaders.subject);
  if (message.value === null || message.value.length === 0)
    throw new MalformedMessage('the message has no value');
  let data: unknown;
  try {
    data = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    throw new MalformedMessage(`the value is not JSON: ${(error as Error).message}`);
  }
  const traceparent = headerText(headers, CloudEventHeaders.traceparent);
  return {
    id: headerText(headers, CloudEventHeaders.id) || fallbackEventId(origin),
    type,
    source,
    time,
    subject,
    ...(traceparent ? { traceparent } : {}),
    data,
  };
}

/**
 * The id of a message that carries no `ce_id`: `kafka:` and a SHA-256 of `topic/partition/offset`. It
 * deduplicates redeliveries of that one message (after a crash or a rebalance), not a second copy the
 * producer sent: only a real event id can do that.
 */
export function fallbackEventId(origin: MessageOrigin): string {
  const digest = createHash('sha256')
    .update(`${origin.topic}/${origin.partition}/${origin.offset}`)
    .digest('hex');
  return `kafka:${digest.slice(0, 32)}`;
}

/** A header as text: the first value if repeated, decoded as UTF-8. */
export function headerText(headers: IHeaders, name: string): string | undefined {
  const raw = headers[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}
