import { CloudEventHeaders } from '@roomledger/messaging';
import type { Message } from 'kafkajs';
import type { DeadLetterReason } from '../domain';

export const NOTIFICATION_EVENTS_SOURCE = '/roomledger/notification';

/** Public event types on `notification.events.v1`; `ce_type` is `roomledger.notification.<type>.v1`. */
export type NotificationEventType = 'sent' | 'failed' | 'dead-lettered';

/** The delivery a notification event reports on (schemas: libs/contracts/schemas/notification.events.v1). */
export interface NotificationFacts {
  readonly notificationId: string;
  readonly channel: string;
  readonly kind: string;
  /** The user id for e-mail (never an address: nothing personal travels on this topic). */
  readonly recipientId: string;
  readonly sourceEventId: string;
  readonly sourceEventType: string;
  readonly sourceSubject: string;
  readonly sourceOccurredAt: string;
  readonly attempts: number;
  readonly occurredAt: string;
}

export type NotificationEventPayload =
  | (NotificationFacts & { readonly channelMessageId?: string })
  | (NotificationFacts & { readonly error: string; readonly nextAttemptAt: string })
  | (NotificationFacts & { readonly reason: DeadLetterReason; readonly error: string });

/** An outbox row as the relay reads it. */
export interface OutboxRow {
  readonly id: string;
  readonly position: string;
  readonly notification_id: string;
  readonly type: NotificationEventType;
  readonly payload: NotificationEventPayload;
  readonly traceparent: string | null;
  readonly created_at: Date;
}

/**
 * An outbox row as its Kafka message: CloudEvents binary mode (`ce_id` = the row's id, so a re-send
 * after a crash is recognisably the same event), keyed by notification id so one delivery's events
 * (failed, failed, sent) stay in order.
 */
export function toNotificationMessage(row: OutboxRow): Message {
  const headers: Record<string, string> = {
    [CloudEventHeaders.specversion]: '1.0',
    [CloudEventHeaders.id]: row.id,
    [CloudEventHeaders.type]: `roomledger.notification.${row.type}.v1`,
    [CloudEventHeaders.source]: NOTIFICATION_EVENTS_SOURCE,
    [CloudEventHeaders.time]: row.created_at.toISOString(),
    [CloudEventHeaders.subject]: row.notification_id,
    [CloudEventHeaders.contentType]: 'application/json',
  };
  if (row.traceparent) headers[CloudEventHeaders.traceparent] = row.traceparent;
  return { key: row.notification_id, value: JSON.stringify(row.payload), headers };
}
