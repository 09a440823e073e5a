import type { DeadLetterReason } from '../domain';

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
