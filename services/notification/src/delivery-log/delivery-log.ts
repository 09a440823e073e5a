import { randomUUID } from 'node:crypto';
import { uuidV5 } from '@roomledger/event-store';
import type { AfterFailure, DirectoryEntry, Notice } from '../domain';
import {
  directoryColumns,
  directoryJoin,
  entryOf,
  type DirectoryColumns,
  type Sql,
} from '../directory/recipient-directory';
import { SCHEMA } from '../persistence/schema';
import type {
  NotificationEventPayload,
  NotificationEventType,
  NotificationFacts,
} from './notification-events';

/** Namespace of notification ids (a random v4 UUID, fixed forever). */
const NOTIFICATION_ID_NAMESPACE = 'd9d15405-4bf5-4cd0-b8ba-a79ccbdf25cf';

/** The id of the delivery of one event to one recipient on one channel: the same however often it is derived. */
export function notificationIdOf(eventId: string, recipientId: string, channel: string): string {
  return uuidV5(`${eventId}/${recipientId}/${channel}`, NOTIFICATION_ID_NAMESPACE);
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'dead_lettered' | 'cancelled';

export interface Delivery {
  readonly id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly subject: string;
  readonly recipient_id: string;
  readonly channel: string;
  readonly kind: Notice['kind'];
  readonly notice: Notice;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly occurred_at: Date;
  readonly traceparent: string | null;
}

const COLUMNS = `id, event_id, event_type, subject, recipient_id, channel, kind, notice, status, attempts,
  occurred_at, traceparent`;

/** Records that `channel` owes `recipientId` this notice; a second record of the same is a no-op. */
export async function recordDelivery(
  sql: Sql,
  notice: Notice,
  recipientId: string,
  channel: string,
  traceparent: string | undefined,
): Promise<boolean> {
  const { rowCount } = await sql.query(
    `insert into ${SCHEMA}.deliveries
       (id, event_id, event_type, subject, recipient_id, channel, kind, notice, status, occurred_at, traceparent)
     values ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)
     on conflict do nothing`,
    [
      notificationIdOf(notice.eventId, recipientId, channel),
      notice.eventId,
      notice.eventType,
      notice.subject,
      recipientId,
      channel,
      notice.kind,
      JSON.stringify(notice),
      notice.occurredAt,
      traceparent ?? null,
    ],
  );
  return rowCount === 1;
}

/** A claimed delivery and what the directory knows of its recipient now. */
export interface Claimed {
  readonly delivery: Delivery;
  readonly recipient: DirectoryEntry;
}

/**
 * Claims up to `limit` due deliveries of `channel` for this instance (status `sending`, one more
 * attempt), committed before anything is sent, so no other instance can send them too, and reads
 * their recipients in the same round trip. A delivery waits while an earlier one to the same person
 * about the same subject is still open, so a booking's mails arrive in the order its events happened.
 */
export async function claimDue(sql: Sql, channel: string, limit: number): Promise<Claimed[]> {
  const { rows } = await sql.query<Delivery & DirectoryColumns>(
    `with claimed as (
       update ${SCHEMA}.deliveries d
          set status = 'sending', attempts = d.attempts + 1, claimed_at = now(), updated_at = now()
        where d.id in (
          select c.id from ${SCHEMA}.deliveries c
           where c.channel = $1 and c.status in ('pending', 'failed') and c.next_attempt_at <= now()
             and not exists (
               select 1 from ${SCHEMA}.deliveries p
                where p.channel = c.channel and p.recipient_id = c.recipient_id and p.subject = c.subject
                  and p.position < c.position and p.status in ('pending', 'sending', 'failed'))
           order by c.position
           limit $2
           for update skip locked)
        returning ${COLUMNS})
     select claimed.*, ${directoryColumns} from claimed ${directoryJoin('claimed.recipient_id')}`,
    [channel, limit],
  );
  return rows.map(
    ({
      r_user_id,
      r_version,
      r_email,
      r_name,
      r_time_zone,
      r_channels,
      r_deactivated,
      r_erased,
      ...delivery
    }) => ({
      delivery,
      recipient: entryOf({
        r_user_id,
        r_version,
        r_email,
        r_name,
        r_time_zone,
        r_channels,
        r_deactivated,
        r_erased,
      }),
    }),
  );
}

/** Deliveries of `channel` left `sending` longer than `olderThanMs`: their sender died mid-send. */
export async function claimAbandoned(sql: Sql, channel: string, olderThanMs: number): Promise<Delivery[]> {
  const { rows } = await sql.query<Delivery>(
    `select ${COLUMNS} from ${SCHEMA}.deliveries
      where channel = $1 and status = 'sending' and claimed_at < now() - make_interval(secs => $2)
      order by position limit 100
      for update skip locked`,
    [channel, olderThanMs / 1000],
  );
  return rows;
}

/** The delivery went out; `notification.sent` is written with it (one statement, so one transaction). */
export function recordSent(
  sql: Sql,
  delivery: Delivery,
  sentAt: Date,
  channelMessageId: string | undefined,
  traceparent: string | undefined,
): Promise<boolean> {
  return settle(
    sql,
    delivery,
    { status: 'sent', sent_at: sentAt, message_id: channelMessageId ?? null },
    'sent',
    { ...factsOf(delivery, sentAt), ...(channelMessageId ? { channelMessageId } : {}) },
    traceparent,
  );
}

/** The attempt failed: retried later (`failed`) or given up (`dead_lettered`), with its public event. */
export function recordFailure(
  sql: Sql,
  delivery: Delivery,
  next: AfterFailure,
  at: Date,
  traceparent: string | undefined,
): Promise<boolean> {
  const facts = factsOf(delivery, at);
  if (next.status === 'dead_lettered')
    return settle(
      sql,
      delivery,
      { status: 'dead_lettered', last_error: next.error },
      'dead-lettered',
      { ...facts, reason: next.reason, error: next.error },
      traceparent,
    );
  const retryAt = new Date(at.getTime() + next.retryInMs);
  return settle(
    sql,
    delivery,
    { status: 'failed', last_error: next.error, next_attempt_at: retryAt },
    'failed',
    { ...facts, error: next.error, nextAttemptAt: retryAt.toISOString() },
    traceparent,
  );
}

type Settled = { status: DeliveryStatus } & Partial<
  Record<'sent_at' | 'message_id' | 'last_error' | 'next_attempt_at', Date | string | null>
>;

/**
 * Moves a `sending` delivery to its outcome and writes the outcome's public event, in one statement
 * (a data-modifying CTE): both or neither, in one round trip. False if the row was no longer `sending`
 * (another instance settled it as abandoned meanwhile); then no event is written either.
 */
async function settle(
  sql: Sql,
  delivery: Delivery,
  outcome: Settled,
  type: NotificationEventType,
  payload: NotificationEventPayload,
  traceparent: string | undefined,
): Promise<boolean> {
  const columns = Object.keys(outcome) as (keyof Settled)[];
  const assignments = columns.map((column, index) => `${column} = $${index + 6}`).join(', ');
  const { rowCount } = await sql.query(
    `with settled as (
       update ${SCHEMA}.deliveries
          set ${assignments}, updated_at = now()
        where id = $1 and status = 'sending'
        returning id)
     insert into ${SCHEMA}.outbox (id, notification_id, type, payload, traceparent)
     select $2::uuid, id, $3::text, $4::jsonb, $5::text from settled`,
    [
      delivery.id,
      randomUUID(),
      type,
      JSON.stringify(payload),
      traceparent ?? delivery.traceparent,
      ...columns.map((column) => outcome[column]),
    ],
  );
  return rowCount === 1;
}

/** Nothing to send after all (the person was erased, deactivated or turned the channel off meanwhile). */
export async function recordCancelled(sql: Sql, delivery: Delivery, why: string): Promise<void> {
  await sql.query(
    `update ${SCHEMA}.deliveries set status = 'cancelled', last_error = $2, claimed_at = null, updated_at = now()
      where id = $1 and status = 'sending'`,
    [delivery.id, why],
  );
}

function factsOf(delivery: Delivery, at: Date): NotificationFacts {
  return {
    notificationId: delivery.id,
    channel: delivery.channel,
    kind: delivery.kind,
    recipientId: delivery.recipient_id,
    sourceEventId: delivery.event_id,
    sourceEventType: delivery.event_type,
    sourceSubject: delivery.subject,
    sourceOccurredAt: delivery.occurred_at.toISOString(),
    attempts: delivery.attempts,
    occurredAt: at.toISOString(),
  };
}
