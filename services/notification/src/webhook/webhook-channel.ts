import type { PoolClient } from 'pg';
import type { Notice } from '../domain';
import { recordDelivery } from '../delivery-log/delivery-log';
import type { NotificationChannel } from '../intake/channel';
import { subscriptionsFor, WEBHOOK } from './webhook-subscriptions';

/**
 * The webhook channel's half inside the consuming transaction: one `pending` delivery-log row per
 * subscription (its id in `recipient_id`) of someone in the notice's audience that wants the event's
 * type. A paused subscription's rows wait; the {@link WebhookDispatcher} posts them after the commit.
 */
export class WebhookChannel implements NotificationChannel {
  readonly name = WEBHOOK;

  async accept(tx: PoolClient, notice: Notice, context: { traceparent?: string }): Promise<void> {
    for (const subscription of await subscriptionsFor(tx, notice.audience, notice.eventType))
      await recordDelivery(tx, notice, subscription.id, WEBHOOK, context.traceparent);
  }
}
