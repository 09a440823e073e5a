import { uuidV5 } from '@roomledger/event-store';
import { durationText, isMeetingNotice, type MeetingNotice, type Notice } from '../domain';
import type { Sql } from '../directory/recipient-directory';
import { SCHEMA } from '../persistence/schema';

/** The PostgreSQL channel `pg_notify` tells new inbox items on; its payload is the recipient's user id. */
export const INBOX_NOTIFY_CHANNEL = 'notification_inbox';

/** Namespace of inbox item ids (a random v4 UUID, fixed forever). */
const INBOX_ITEM_NAMESPACE = '5b0f3c57-2a0e-4d43-9a39-07a6f1f4c2d1';

export interface InboxItem {
  readonly id: string;
  /** Opaque to callers: the item's position, as a decimal string (the pagination cursor). */
  readonly position: string;
  readonly kind: string;
  readonly subject: string;
  readonly title: string;
  readonly body: string;
  readonly data: Record<string, unknown>;
  readonly occurredAt: string;
  readonly createdAt: string;
  readonly readAt?: string;
}

export interface NewInboxItem {
  readonly recipientId: string;
  /** What it comes from: an event id, or another stable key (`webhook-paused/<subscription>/<n>`). */
  readonly sourceId: string;
  readonly kind: string;
  readonly subject: string;
  readonly title: string;
  readonly body: string;
  readonly data: Record<string, unknown>;
  readonly occurredAt: string;
}

/**
 * Adds an item to a person's inbox (a second add of the same source is a no-op) and notifies the
 * streams: `pg_notify` is transactional, so listeners hear of the item when (and only if) it commits.
 */
export async function addInboxItem(sql: Sql, item: NewInboxItem): Promise<boolean> {
  const { rowCount } = await sql.query(
    `insert into ${SCHEMA}.inbox_items (id, recipient_id, event_id, kind, subject, title, body, data, occurred_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict do nothing`,
    [
      uuidV5(`${item.sourceId}/${item.recipientId}`, INBOX_ITEM_NAMESPACE),
      item.recipientId,
      item.sourceId,
      item.kind,
      item.subject,
      item.title,
      item.body,
      JSON.stringify(item.data),
      item.occurredAt,
    ],
  );
  if (rowCount === 1) await sql.query('select pg_notify($1, $2)', [INBOX_NOTIFY_CHANNEL, item.recipientId]);
  return rowCount === 1;
}

interface Row {
  id: string;
  position: string;
  kind: string;
  subject: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  occurred_at: Date;
  created_at: Date;
  read_at: Date | null;
}

const COLUMNS = 'id, position, kind, subject, title, body, data, occurred_at, created_at, read_at';

function itemOf(row: Row): InboxItem {
  return {
    id: row.id,
    position: String(row.position),
    kind: row.kind,
    subject: row.subject,
    title: row.title,
    body: row.body,
    data: row.data,
    occurredAt: row.occurred_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    ...(row.read_at ? { readAt: row.read_at.toISOString() } : {}),
  };
}

/** A page of the person's inbox, newest first, strictly older than `before` (a position); `nextCursor` when more. */
export async function listInbox(
  sql: Sql,
  recipientId: string,
  options: { before?: string; limit: number; unreadOnly: boolean },
): Promise<{ items: InboxItem[]; nextCursor?: string; unreadCount: number }> {
  const { rows } = await sql.query<Row>(
    `select ${COLUMNS} from ${SCHEMA}.inbox_items
      where recipient_id = $1 and ($2::bigint is null or position < $2::bigint)
        and (not $3 or read_at is null)
      order by position desc limit $4`,
    [recipientId, options.before ?? null, options.unreadOnly, options.limit + 1],
  );
  const unread = await sql.query<{ count: string }>(
    `select count(*) as count from ${SCHEMA}.inbox_items where recipient_id = $1 and read_at is null`,
    [recipientId],
  );
  const page = rows.slice(0, options.limit).map(itemOf);
  return {
    items: page,
    ...(rows.length > options.limit ? { nextCursor: page[page.length - 1]!.position } : {}),
    unreadCount: Number(unread.rows[0]!.count),
  };
}

/** The person's items after `position` (oldest first): what a stream has not pushed yet. */
export async function inboxItemsAfter(
  sql: Sql,
  recipientId: string,
  position: string,
  limit = 100,
): Promise<InboxItem[]> {
  const { rows } = await sql.query<Row>(
    `select ${COLUMNS} from ${SCHEMA}.inbox_items
      where recipient_id = $1 and position > $2::bigint order by position limit $3`,
    [recipientId, position, limit],
  );
  return rows.map(itemOf);
}

/** The position of the person's newest item ('0' when none): where a stream without a cursor starts. */
export async function latestInboxPosition(sql: Sql, recipientId: string): Promise<string> {
  const { rows } = await sql.query<{ position: string | null }>(
    `select max(position)::text as position from ${SCHEMA}.inbox_items where recipient_id = $1`,
    [recipientId],
  );
  return rows[0]?.position ?? '0';
}

/** Marks one item (`itemId`) or all of the person's items read; returns how many changed. */
export async function markInboxRead(sql: Sql, recipientId: string, itemId?: string): Promise<number> {
  const { rowCount } = await sql.query(
    `update ${SCHEMA}.inbox_items set read_at = now()
      where recipient_id = $1 and read_at is null and ($2::uuid is null or id = $2::uuid)`,
    [recipientId, itemId ?? null],
  );
  return rowCount ?? 0;
}

/** Whether the person has an item with this id (read or not). */
export async function inboxItemExists(sql: Sql, recipientId: string, itemId: string): Promise<boolean> {
  const { rowCount } = await sql.query(
    `select 1 from ${SCHEMA}.inbox_items where recipient_id = $1 and id = $2::uuid`,
    [recipientId, itemId],
  );
  return rowCount === 1;
}

/** The inbox's short text for a notice (the e-mail has the long form). */
export function inboxText(notice: Notice): { title: string; body: string } {
  if (isMeetingNotice(notice)) return meetingInboxText(notice);
  const what = notice.booking.title ? `“${notice.booking.title}”` : `Booking ${notice.booking.bookingId}`;
  const when = `${notice.booking.start} – ${notice.booking.end} (UTC), room ${notice.booking.roomId}`;
  switch (notice.kind) {
    case 'booking-confirmed':
      return { title: `${what} is confirmed`, body: when };
    case 'booking-rescheduled':
      return {
        title: `${what} was moved`,
        body: `Now ${when}; was ${notice.previous.start} – ${notice.previous.end}`,
      };
    case 'booking-cancelled':
      return {
        title: `${what} was cancelled`,
        body: notice.reason ? `${when}. Reason: ${notice.reason}` : when,
      };
    case 'hold-expired':
      return { title: `The hold on ${what} expired`, body: when };
    case 'booking-reminder':
      return { title: `${what} starts in ${durationText(notice.minutesBefore)}`, body: when };
  }
}

function meetingInboxText(notice: MeetingNotice): { title: string; body: string } {
  const span = (start: string, end: string) => `${start} – ${end} (UTC)`;
  if (notice.kind === 'meeting-reminder') {
    const { reminder } = notice;
    return {
      title: `“${reminder.title}” starts in ${durationText(notice.minutesBefore)}`,
      body: span(reminder.occurrence.start, reminder.occurrence.end),
    };
  }
  const { meeting } = notice;
  const what = `“${meeting.title}”`;
  const when =
    span(meeting.start, meeting.end) +
    (meeting.recurrence ? `, repeating (${meeting.recurrence.rrule})` : '');
  switch (notice.kind) {
    case 'meeting-invitation':
      return { title: `You are invited to ${what}`, body: when };
    case 'meeting-updated':
      if (notice.scope === 'this' && notice.occurrence)
        return {
          title: `One occurrence of ${what} changed`,
          body: `Now ${span(notice.occurrence.start, notice.occurrence.end)}`,
        };
      if (notice.scope === 'following' && notice.from)
        return { title: `${what} changes from ${notice.from}`, body: 'It continues as a new series.' };
      return { title: `${what} was changed`, body: when };
    case 'meeting-cancelled':
      if (notice.removed) return { title: `You were removed from ${what}`, body: when };
      if (notice.scope === 'this' && notice.occurrence)
        return {
          title: `One occurrence of ${what} was cancelled`,
          body: span(notice.occurrence.start, notice.occurrence.end),
        };
      if (notice.scope === 'following' && notice.from)
        return { title: `${what} was cancelled from ${notice.from} on`, body: when };
      return { title: `${what} was cancelled`, body: notice.message ? `${when}. ${notice.message}` : when };
    case 'meeting-response':
      return {
        title: `${notice.attendee.userId ? 'An attendee' : 'A guest'} ${notice.response} ${what}`,
        body: notice.proposal
          ? `Proposes ${span(notice.proposal.start, notice.proposal.end)}`
          : (notice.comment ?? when),
      };
    case 'meeting-occurrences-conflicted':
      return {
        title: `Room ${notice.roomId} is not available for ${notice.occurrences.length} occurrence(s) of ${what}`,
        body: notice.occurrences.map((occurrence) => span(occurrence.start, occurrence.end)).join('; '),
      };
  }
}
