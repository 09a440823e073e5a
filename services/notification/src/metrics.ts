import type { ServiceMetrics } from '@roomledger/observability';
import { Counter, Histogram } from 'prom-client';
import type { EmailMetrics } from './email/email-dispatcher';
import type { EmailSkip } from './email/email-channel';
import type { IntakeMetrics } from './intake/event-intake';
import type { NoticeKind } from './domain';
import type { ReminderMetrics } from './reminder/reminder-queue';
import type { PrunedTable } from './retention/retention';
import type { WebhookOutcome } from './webhook/webhook-dispatcher';

/** The notification service's own series on `/metrics` (beside the shared HTTP/gRPC and Node ones). */
export function notificationMetrics(metrics: ServiceMetrics) {
  const registers = [metrics.registry];
  const sent = new Counter({
    name: 'notification_sent_total',
    help: 'Notifications delivered, by channel and kind (e-mail: accepted by the SMTP server)',
    labelNames: ['channel', 'kind'] as const,
    registers,
  });
  const failed = new Counter({
    name: 'notification_failed_total',
    help: 'Delivery attempts that failed and will be retried, by channel and kind',
    labelNames: ['channel', 'kind'] as const,
    registers,
  });
  const deadLettered = new Counter({
    name: 'notification_dead_lettered_total',
    help: 'Deliveries given up, by channel, kind and reason (rejected, attempts_exhausted, outcome_unknown, recipient_unknown)',
    labelNames: ['channel', 'kind', 'reason'] as const,
    registers,
  });
  const skipped = new Counter({
    name: 'notification_skipped_total',
    help: 'Notifications not delivered on purpose, by channel, kind and reason (channel_off, deactivated, erased, stale)',
    labelNames: ['channel', 'kind', 'reason'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'notification_latency_seconds',
    help: "From the event's occurredAt to the delivery (e-mail: the SMTP server's acceptance), by channel and kind",
    labelNames: ['channel', 'kind'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  const messages = new Counter({
    name: 'notification_consumed_messages_total',
    help: 'Messages of the consumed feeds by feed (booking, meeting, user) and outcome (processed, duplicate, retried)',
    labelNames: ['feed', 'outcome'] as const,
    registers,
  });
  const dlq = new Counter({
    name: 'notification_dlq_messages_total',
    help: 'Consumed messages sent to <topic>.dlq after bounded retries (or at once when unparseable), by feed',
    labelNames: ['feed'] as const,
    registers,
  });
  const published = new Counter({
    name: 'notification_outbox_published_total',
    help: 'notification.events.v1 messages Kafka acknowledged from the outbox',
    registers,
  });

  const webhookDeliveries = new Counter({
    name: 'notification_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (sent, failed: will be retried, dead_lettered, refused: private or invalid target)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const inboxItems = new Counter({
    name: 'notification_inbox_items_total',
    help: 'In-app inbox items stored, by kind',
    labelNames: ['kind'] as const,
    registers,
  });

  const reminders = new Counter({
    name: 'notification_reminders_total',
    help: 'Reminders by stage: scheduled (a delayed job added or moved), cancelled (removed), sent (fired once)',
    labelNames: ['stage'] as const,
    registers,
  });
  const pruned = new Counter({
    name: 'notification_pruned_rows_total',
    help: 'Rows deleted by retention, by table (deliveries, inbox: consumed-message ids, inbox_items, reminders, webhook_subscriptions, meetings)',
    labelNames: ['table'] as const,
    registers,
  });

  const email = (kind: NoticeKind) => ({ channel: 'email', kind });
  return {
    email: {
      sent: (kind, seconds) => {
        sent.inc(email(kind));
        latency.observe(email(kind), seconds);
      },
      failed: (kind) => failed.inc(email(kind)),
      deadLettered: (kind, reason) => deadLettered.inc({ ...email(kind), reason }),
      skipped: (kind, reason) => skipped.inc({ ...email(kind), reason }),
    } satisfies EmailMetrics,
    emailSkipped: (kind: NoticeKind, reason: EmailSkip) => skipped.inc({ ...email(kind), reason }),
    intake: {
      message: (feed, outcome) => messages.inc({ feed, outcome }),
      deadLettered: (feed) => dlq.inc({ feed }),
    } satisfies IntakeMetrics,
    published: (count: number) => published.inc(count),
    webhook: (outcome: WebhookOutcome) => webhookDeliveries.inc({ outcome }),
    reminders: {
      scheduled: () => reminders.inc({ stage: 'scheduled' }),
      cancelled: () => reminders.inc({ stage: 'cancelled' }),
      sent: () => reminders.inc({ stage: 'sent' }),
    } satisfies ReminderMetrics,
    inboxStored: (kind: NoticeKind) => inboxItems.inc({ kind }),
    inboxSkipped: (kind: NoticeKind, reason: string) => skipped.inc({ channel: 'in-app', kind, reason }),
    pruned: (table: PrunedTable, rows: number) => pruned.inc({ table }, rows),
  };
}
