import {
  BUSY_RESPONSES,
  ValidationFailed,
  isoOf,
  merge,
  msOf,
  type MeetingState,
  type ResponseStatus,
  type TimeSpan,
} from '@roomledger/booking-domain';
import type { Pool } from 'pg';
import { calendarEntriesOf, type CalendarEntry } from './meeting-occurrences';

interface EntryRow {
  user_id: string;
  meeting_id: string;
  original_start: Date;
  start_at: Date;
  end_at: Date;
  response: ResponseStatus;
  title: string;
  visibility: 'public' | 'private';
  organizer_id: string;
  room_id: string | null;
  recurring: boolean;
}

interface PartialRow {
  user_id: string;
  state: MeetingState;
  expanded_from: Date;
  expanded_until: Date;
}

/**
 * Attendees' calendars from `booking_read`: the stored occurrences (one GiST range scan per person),
 * plus, for the few meetings whose stored rows do not cover the window (a long or endless series
 * beyond the horizon), the occurrences expanded here from the meeting's stored state.
 */
export class CalendarQueries {
  constructor(private readonly pool: Pool) {}

  /** Every occurrence overlapping [from, to) in the calendars of `userIds`, by start. */
  async entries(
    userIds: readonly string[],
    window: { from: number; to: number },
    options: {
      includeDeclined?: boolean;
      excludeMeetingId?: string;
      /** Only entries overlapping one of these spans (inside the window): a series' occurrences. */
      within?: readonly { start: number; end: number }[];
    } = {},
  ): Promise<CalendarEntry[]> {
    if (userIds.length === 0 || window.to <= window.from) return [];
    const from = isoOf(window.from);
    const to = isoOf(window.to);
    const within = options.within?.length
      ? `{${options.within.map((span) => `[${isoOf(span.start)},${isoOf(span.end)})`).join(',')}}`
      : null;
    const [stored, partial] = await Promise.all([
      this.pool.query<EntryRow>(
        `select c.* from unnest($1::text[]) as u(user_id)
           cross join lateral (
             select user_id, meeting_id, original_start, start_at, end_at, response, title, visibility,
                    organizer_id, room_id, recurring
               from booking_read.calendar_entries c
              where c.user_id = u.user_id
                and c.period && coalesce($6::tstzmultirange, tstzmultirange(tstzrange($2::timestamptz, $3::timestamptz, '[)')))
                and ($4 or c.response <> 'declined') and c.meeting_id <> $5
           ) c`,
        [userIds, from, to, options.includeDeclined === true, options.excludeMeetingId ?? '', within],
      ),
      this.pool.query<PartialRow>(
        `select a.user_id, m.state, m.expanded_from, m.expanded_until
           from booking_read.meeting_attendees a join booking_read.meetings m using (meeting_id)
          where a.partial and a.user_id = any($1) and m.status = 'scheduled' and m.meeting_id <> $4
            and m.start_at < $3 and (m.series_end is null or m.series_end > $2)
            and (m.expanded_from > greatest($2::timestamptz, m.start_at)
                 or m.expanded_until < least($3::timestamptz, coalesce(m.series_end, 'infinity')))`,
        [userIds, from, to, options.excludeMeetingId ?? ''],
      ),
    ]);
    const entries = new Map<string, CalendarEntry>();
    const key = (e: CalendarEntry) => `${e.userId}|${e.meetingId}|${msOf(e.originalStart)}`;
    for (const row of stored.rows) {
      const entry = entryOf(row);
      entries.set(key(entry), entry);
    }
    for (const row of partial.rows) {
      if (row.state.status !== 'scheduled') continue;
      const only = new Set([row.user_id]);
      const gaps = [
        { from: window.from, to: Math.min(window.to, row.expanded_from.getTime()) },
        { from: Math.max(window.from, row.expanded_until.getTime()), to: window.to },
      ];
      for (const gap of gaps) {
        for (const entry of calendarEntriesOf(row.state, gap, only).entries) {
          if (!options.includeDeclined && entry.response === 'declined') continue;
          if (!entries.has(key(entry))) entries.set(key(entry), entry);
        }
      }
    }
    return [...entries.values()].sort(
      (a, b) => msOf(a.start) - msOf(b.start) || a.meetingId.localeCompare(b.meetingId),
    );
  }

  /** Each user's busy time in the window (occurrences not declined), merged and clipped. */
  async busy(
    userIds: readonly string[],
    window: { from: number; to: number },
    options: { excludeMeetingId?: string } = {},
  ): Promise<Map<string, TimeSpan[]>> {
    const entries = await this.entries(userIds, window, options);
    const byUser = new Map<string, { start: number; end: number }[]>(userIds.map((id) => [id, []]));
    for (const entry of entries) {
      if (!BUSY_RESPONSES.includes(entry.response)) continue;
      byUser.get(entry.userId)?.push({
        start: Math.max(window.from, msOf(entry.start)),
        end: Math.min(window.to, msOf(entry.end)),
      });
    }
    return new Map(
      [...byUser].map(([userId, spans]) => [
        userId,
        merge(spans).map((span) => ({ start: isoOf(span.start), end: isoOf(span.end) })),
      ]),
    );
  }

  /**
   * The caller's occurrences in [from, to), by (start, meeting, original start), a page at a time;
   * the cursor is the last item's key.
   */
  async listMine(
    userId: string,
    query: { from: number; to: number; limit: number; cursor?: string; includeDeclined?: boolean },
  ): Promise<{ items: CalendarEntry[]; nextCursor?: string }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const all = await this.entries([userId], query, { includeDeclined: query.includeDeclined });
    const ordered = all.sort(
      (a, b) =>
        msOf(a.start) - msOf(b.start) ||
        a.meetingId.localeCompare(b.meetingId) ||
        msOf(a.originalStart) - msOf(b.originalStart),
    );
    const start = after
      ? ordered.findIndex(
          (e) =>
            msOf(e.start) > after.start ||
            (msOf(e.start) === after.start &&
              (e.meetingId > after.meetingId ||
                (e.meetingId === after.meetingId && msOf(e.originalStart) > after.originalStart))),
        )
      : 0;
    const items = start < 0 ? [] : ordered.slice(start, start + query.limit);
    const last = items[items.length - 1];
    const more = start >= 0 && start + query.limit < ordered.length;
    return more && last ? { items, nextCursor: encodeCursor(last) } : { items };
  }

  /**
   * Free/busy of `userIds` in the window as `viewerId` may see it: merged busy time per user, and
   * each busy occurrence with its title unless it belongs to a private meeting the viewer is not part
   * of (then only its time). Declined occurrences are free time.
   */
  async freeBusy(
    viewerId: string,
    userIds: readonly string[],
    window: { from: number; to: number },
  ): Promise<FreeBusyView[]> {
    const [entries, zones] = await Promise.all([
      this.entries(userIds, window),
      this.pool.query<{ user_id: string; time_zone: string }>(
        'select user_id, time_zone from booking_directory.user_profiles where user_id = any($1)',
        [userIds],
      ),
    ]);
    const busyEntries = entries.filter((entry) => BUSY_RESPONSES.includes(entry.response));
    const privateOnes = [
      ...new Set(busyEntries.filter((e) => e.visibility === 'private').map((e) => e.meetingId)),
    ];
    const involved = await this.involving(viewerId, privateOnes);
    const zoneOf = new Map(zones.rows.map((row) => [row.user_id, row.time_zone]));
    return userIds.map((userId) => {
      const own = busyEntries.filter((entry) => entry.userId === userId);
      const spans = merge(
        own.map((e) => ({
          start: Math.max(window.from, msOf(e.start)),
          end: Math.min(window.to, msOf(e.end)),
        })),
      );
      return {
        userId,
        timeZone: zoneOf.get(userId),
        busy: spans.map((span) => ({ start: isoOf(span.start), end: isoOf(span.end) })),
        entries: own.map((entry) =>
          entry.visibility === 'private' && !involved.has(entry.meetingId)
            ? { start: entry.start, end: entry.end, busyOnly: true as const, response: entry.response }
            : {
                start: entry.start,
                end: entry.end,
                busyOnly: false as const,
                meetingId: entry.meetingId,
                title: entry.title,
                response: entry.response,
              },
        ),
      };
    });
  }

  /** The meetings (of `meetingIds`) that `viewerId` is invited to or organizes. */
  async involving(viewerId: string, meetingIds: readonly string[]): Promise<Set<string>> {
    if (meetingIds.length === 0) return new Set();
    const { rows } = await this.pool.query<{ meeting_id: string }>(
      `select meeting_id from booking_read.meeting_attendees where user_id = $1 and meeting_id = any($2)`,
      [viewerId, meetingIds],
    );
    return new Set(rows.map((row) => row.meeting_id));
  }
}

function entryOf(row: EntryRow): CalendarEntry {
  return {
    userId: row.user_id,
    meetingId: row.meeting_id,
    originalStart: isoOf(row.original_start.getTime()),
    start: isoOf(row.start_at.getTime()),
    end: isoOf(row.end_at.getTime()),
    response: row.response,
    title: row.title,
    visibility: row.visibility,
    organizerId: row.organizer_id,
    ...(row.room_id ? { roomId: row.room_id } : {}),
    recurring: row.recurring,
  };
}

export interface FreeBusyView {
  readonly userId: string;
  readonly timeZone?: string;
  readonly busy: readonly TimeSpan[];
  readonly entries: readonly (TimeSpan & {
    readonly busyOnly: boolean;
    readonly meetingId?: string;
    readonly title?: string;
    readonly response: ResponseStatus;
  })[];
}

function encodeCursor(entry: CalendarEntry): string {
  return Buffer.from(
    JSON.stringify([msOf(entry.start), entry.meetingId, msOf(entry.originalStart)]),
  ).toString('base64url');
}

function decodeCursor(cursor: string): { start: number; meetingId: string; originalStart: number } {
  try {
    const [start, meetingId, originalStart] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as [number, string, number];
    if (typeof start !== 'number' || typeof meetingId !== 'string' || typeof originalStart !== 'number')
      throw new Error('shape');
    return { start, meetingId, originalStart };
  } catch {
    throw new ValidationFailed('cursor', 'not a cursor this service issued');
  }
}
