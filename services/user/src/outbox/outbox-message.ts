import { CloudEventHeaders } from '@roomledger/messaging';
import type { Message } from 'kafkajs';

/** The public topic of user events. */
export const USER_EVENTS_TOPIC = 'user.events.v1';
export const USER_EVENTS_SOURCE = '/roomledger/user';

/** An outbox row as the relay reads it. */
export interface OutboxRow {
  readonly id: string;
  readonly position: string;
  readonly user_id: string;
  readonly type: string;
  readonly payload: unknown;
  readonly traceparent: string | null;
  readonly tracestate: string | null;
  readonly created_at: Date;
}

/**
 * An outbox row as its Kafka message: CloudEvents binary mode (`ce_id` = the row's id, so a re-send after
 * a crash is recognisably the same event), keyed by user id so one user's events stay in order.
 */
export function toOutboxMessage(row: OutboxRow): Message {
  const headers: Record<string, string> = {
    [CloudEventHeaders.specversion]: '1.0',
    [CloudEventHeaders.id]: row.id,
    [CloudEventHeaders.type]: `roomledger.user.${row.type}.v1`,
    [CloudEventHeaders.source]: USER_EVENTS_SOURCE,
    [CloudEventHeaders.time]: row.created_at.toISOString(),
    [CloudEventHeaders.subject]: row.user_id,
    [CloudEventHeaders.contentType]: 'application/json',
  };
  if (row.traceparent) headers[CloudEventHeaders.traceparent] = row.traceparent;
  if (row.tracestate) headers[CloudEventHeaders.tracestate] = row.tracestate;
  return { key: row.user_id, value: JSON.stringify(row.payload), headers };
}
