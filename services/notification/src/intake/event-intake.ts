import { context, propagation } from '@opentelemetry/api';
import { runInboxConsumer, type InboxConsumer, type InboxMessage } from '@roomledger/messaging';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { applyUserEvent } from '../directory/user-events';
import { bookingNotice, meetingNotices } from '../domain';
import { loadMeeting, saveMeeting } from '../meeting/meeting-copies';
import { SCHEMA } from '../persistence/schema';
import { fanOut, type NotificationChannel } from './channel';

/** The feeds the service consumes, by what they are to it; values are topic names (settings). */
export interface IntakeTopics {
  readonly booking: string;
  readonly meeting: string;
  readonly user: string;
}
export type Feed = keyof IntakeTopics;

export interface IntakeMetrics {
  /** A message committed (`processed`), skipped as already seen (`duplicate`), or failed once (`retried`). */
  message(feed: Feed, outcome: 'processed' | 'duplicate' | 'retried'): void;
  /** A message that went to `<topic>.dlq`. */
  deadLettered(feed: Feed): void;
}

/**
 * The service's one consumer group over its three feeds, through the shared inbox: each message is
 * applied in one transaction with its event id (duplicates skipped), retried a bounded number of times,
 * then dead-lettered to `<topic>.dlq`, so a poison message never blocks its partition.
 *
 * - `user.events.v1` keeps the recipient directory (deleted on `erased`).
 * - `booking.events.v1` becomes notices, offered to every channel (the fan-out seam, `channel.ts`).
 * - `meeting.events.v1` keeps the service's copy of each meeting and becomes meeting notices (one per
 *   audience: invitees, people taken off, the organizer), offered to every channel like booking notices.
 *
 * `onCommitted` runs after each committed message: the e-mail dispatcher is woken by it.
 */
export function runEventIntake(options: {
  kafka: Kafka;
  pool: Pool;
  logger: Logger;
  groupId: string;
  topics: IntakeTopics;
  channels: readonly NotificationChannel[];
  metrics: IntakeMetrics;
  onCommitted?: () => void;
  /** Handler runs before a message is dead-lettered (default 5, about 1.5 s of retries). */
  maxAttempts?: number;
}): Promise<InboxConsumer> {
  const { topics, channels, metrics } = options;
  const feedOf = (message: InboxMessage): Feed => {
    const feed = (Object.keys(topics) as Feed[]).find((name) => topics[name] === message.topic);
    if (!feed) throw new Error(`not one of our topics: ${message.topic}`);
    return feed;
  };
  return runInboxConsumer({
    kafka: options.kafka,
    pool: options.pool,
    groupId: options.groupId,
    topics: [topics.booking, topics.meeting, topics.user],
    schema: SCHEMA,
    logger: options.logger,
    maxAttempts: options.maxAttempts ?? 5,
    handler: async (tx, message, envelope) => {
      switch (feedOf(message)) {
        case 'user':
          await applyUserEvent(tx, envelope);
          return;
        case 'booking': {
          const notice = bookingNotice(envelope);
          if (notice) await fanOut(tx, notice, channels, { traceparent: activeTraceparent(envelope) });
          return;
        }
        case 'meeting': {
          const known = await loadMeeting(tx, envelope.subject);
          const { meeting, notices } = meetingNotices(envelope, known);
          if (meeting && meeting !== known) await saveMeeting(tx, meeting);
          const traceparent = activeTraceparent(envelope);
          for (const notice of notices) await fanOut(tx, notice, channels, { traceparent });
          return;
        }
      }
    },
    metrics: {
      processed: (message) => {
        metrics.message(feedOf(message), 'processed');
        options.onCommitted?.();
      },
      duplicate: (message) => metrics.message(feedOf(message), 'duplicate'),
      retried: (message) => metrics.message(feedOf(message), 'retried'),
      deadLettered: (message) => metrics.deadLettered(feedOf(message)),
    },
  });
}

/** The consuming span's trace context (the kafkajs instrumentation's), else the message's own. */
function activeTraceparent(envelope: { traceparent?: string }): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? envelope.traceparent;
}
