import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  DAY_MS,
  Forbidden,
  ValidationFailed,
  msOf,
  rruleText,
  vtimezone,
  type Actor,
  type Attendee,
  type MeetingState,
} from '@roomledger/booking-domain';
import ical, {
  ICalAttendeeRole,
  ICalAttendeeStatus,
  ICalEventStatus,
  type ICalAttendeeData,
  type ICalCalendar,
} from 'ical-generator';
import type { Pool } from 'pg';
import { Temporal } from 'temporal-polyfill';
import { DIRECTORY_SCHEMA } from '../directory/directory';

export type FeedKind = 'user' | 'room';

export interface FeedToken {
  readonly kind: FeedKind;
  readonly id: string;
  readonly token: string;
  /** Where the gateway serves the feed. */
  readonly path: string;
}

/** A wrong token, an unknown feed and an unknown owner all look the same to the caller. */
export class FeedNotFound extends Error {
  readonly code = 'not_found';
  constructor() {
    super('calendar feed not found');
    this.name = 'FeedNotFound';
  }
}

const PAST_DAYS = 90;
const FUTURE_DAYS = 400;
const MAX_EVENTS = 2_000;

/**
 * iCalendar feeds (RFC 5545) of a user's meetings and of a room's bookings, each behind a secret token
 * of its own (`booking_directory.calendar_feeds`): calendar clients subscribe to a URL and cannot send
 * a bearer token, so the URL is the credential; rotating the token revokes every copy of the old one.
 *
 * A user's feed has one VEVENT per meeting in the meeting's zone (TZID, with a VTIMEZONE built from
 * the time-zone database), RRULE and EXDATE for a series, and one VEVENT with RECURRENCE-ID per
 * occurrence changed on its own; UID and SEQUENCE are the meeting's, so clients update in place. A
 * room's feed has one VEVENT per booking, in UTC; private meetings show as "Busy".
 */
export class CalendarFeeds {
  constructor(
    private readonly pool: Pool,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The feed's token, created on first use; `rotate` replaces it. */
  async token(
    actor: Actor,
    kind: unknown,
    id: unknown,
    options: { rotate?: boolean } = {},
  ): Promise<FeedToken> {
    const feed = requireFeed(kind, id);
    const admin = actor.roles.includes('admin');
    if (feed.kind === 'user' && feed.id !== actor.userId && !admin)
      throw new Forbidden("only the user (or an admin) may see a user's calendar feed");
    if (feed.kind === 'room') {
      if (options.rotate && !admin) throw new Forbidden("only an admin may rotate a room's calendar feed");
      const { rowCount } = await this.pool.query('select 1 from booking_read.rooms where room_id = $1', [
        feed.id,
      ]);
      if (!rowCount) throw new FeedNotFound();
    }
    const fresh = randomBytes(24).toString('base64url');
    const { rows } = await this.pool.query<{ token: string }>(
      options.rotate
        ? `insert into ${DIRECTORY_SCHEMA}.calendar_feeds (kind, owner_id, token) values ($1, $2, $3)
             on conflict (kind, owner_id) do update set token = excluded.token, rotated_at = now()
           returning token`
        : `with created as (
             insert into ${DIRECTORY_SCHEMA}.calendar_feeds (kind, owner_id, token) values ($1, $2, $3)
               on conflict (kind, owner_id) do nothing returning token)
           select token from created
           union all select token from ${DIRECTORY_SCHEMA}.calendar_feeds where kind = $1 and owner_id = $2
           limit 1`,
      [feed.kind, feed.id, fresh],
    );
    const token = rows[0].token;
    const path = `/v1/calendars/${feed.kind}s/${encodeURIComponent(feed.id)}.ics?token=${token}`;
    return { ...feed, token, path };
  }

  /** The feed's iCalendar text, if the token is the feed's current one. */
  async feed(kind: unknown, id: unknown, token: unknown): Promise<string> {
    const feed = requireFeed(kind, id);
    if (typeof token !== 'string' || token === '') throw new FeedNotFound();
    const { rows } = await this.pool.query<{ token: string }>(
      `select token from ${DIRECTORY_SCHEMA}.calendar_feeds where kind = $1 and owner_id = $2`,
      [feed.kind, feed.id],
    );
    const stored = rows[0]?.token;
    if (!stored || !sameSecret(stored, token)) throw new FeedNotFound();
    return feed.kind === 'user' ? this.userFeed(feed.id) : this.roomFeed(feed.id);
  }

  private async userFeed(userId: string): Promise<string> {
    const now = this.clock().getTime();
    const { rows } = await this.pool.query<{ state: MeetingState }>(
      `select m.state from booking_read.meeting_attendees a join booking_read.meetings m using (meeting_id)
        where a.user_id = $1
          and (m.series_end is null or m.series_end > $2)
          and (m.status = 'scheduled' or m.updated_at > $2)
        order by m.start_at, m.meeting_id limit $3`,
      [userId, new Date(now - PAST_DAYS * DAY_MS), MAX_EVENTS],
    );
    const meetings = rows.flatMap((row) => (row.state.status === 'none' ? [] : [row.state]));
    const people = await this.people(
      meetings.flatMap((m) => [m.organizerId, ...m.attendees.flatMap(userIdOf)]),
    );
    const rooms = await this.roomNames(
      meetings.flatMap((m) => [m.room?.roomId, ...m.overrides.map((o) => o.room?.roomId)].filter(isText)),
    );
    const starts = meetings.map((m) => msOf(m.start));
    const calendar = this.calendar(`roomledger: ${people.get(userId)?.name || userId}`, {
      from: Math.min(now, ...starts) - DAY_MS,
      to: now + 10 * 365 * DAY_MS,
    });
    for (const meeting of meetings) {
      const zone = meeting.timeZone;
      const status = meeting.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED;
      const uid = `${meeting.meetingId}@roomledger`;
      const common = {
        id: uid,
        sequence: meeting.sequence,
        timezone: zone,
        status,
        organizer: person(people, meeting.organizerId),
        attendees: meeting.attendees.map((a) => attendeeOf(people, a)),
      };
      const master = calendar.createEvent({
        ...common,
        start: zoned(meeting.start, zone),
        end: zoned(meeting.end, zone),
        summary: meeting.title,
        description: meeting.description || undefined,
        location: meeting.room ? (rooms.get(meeting.room.roomId) ?? meeting.room.roomId) : undefined,
      });
      if (meeting.recurrence) {
        const exdates = meeting.recurrence.exdates.map((x) => localStamp(x, zone));
        master.repeating(
          [
            `RRULE:${rruleText(meeting.recurrence.rule)}`,
            ...(exdates.length > 0 ? [`EXDATE;TZID=${zone}:${exdates.join(',')}`] : []),
          ].join('\n'),
        );
        for (const override of meeting.overrides) {
          const room = override.room === undefined ? meeting.room : (override.room ?? undefined);
          calendar.createEvent({
            ...common,
            recurrenceId: zoned(override.originalStart, zone),
            start: zoned(override.start, zone),
            end: zoned(override.end, zone),
            summary: override.title ?? meeting.title,
            description: (override.description ?? meeting.description) || undefined,
            location: room ? (rooms.get(room.roomId) ?? room.roomId) : undefined,
          });
        }
      }
    }
    return calendar.toString();
  }

  private async roomFeed(roomId: string): Promise<string> {
    const now = this.clock().getTime();
    const { rows } = await this.pool.query<{
      booking_id: string;
      title: string;
      status: string;
      start_at: Date;
      end_at: Date;
      version: number;
      visibility: string | null;
    }>(
      `select b.booking_id, b.title, b.status, b.start_at, b.end_at, b.version, m.visibility
         from booking_read.bookings b left join booking_read.meetings m on m.meeting_id = b.meeting_id
        where b.room_id = $1 and b.status in ('held', 'confirmed')
          and b.end_at > $2 and b.start_at < $3
        order by b.start_at limit $4`,
      [roomId, new Date(now - PAST_DAYS * DAY_MS), new Date(now + FUTURE_DAYS * DAY_MS), MAX_EVENTS],
    );
    const names = await this.roomNames([roomId]);
    const calendar = this.calendar(`roomledger: ${names.get(roomId) ?? roomId}`, { from: now, to: now });
    for (const row of rows) {
      calendar.createEvent({
        id: `${row.booking_id}@roomledger`,
        sequence: row.version,
        start: row.start_at,
        end: row.end_at,
        summary: row.visibility === 'private' ? 'Busy' : row.title || 'Booked',
        status: row.status === 'held' ? ICalEventStatus.TENTATIVE : ICalEventStatus.CONFIRMED,
        location: names.get(roomId) ?? roomId,
      });
    }
    return calendar.toString();
  }

  private calendar(name: string, range: { from: number; to: number }): ICalCalendar {
    return ical({
      name,
      prodId: { company: 'roomledger', product: 'booking', language: 'EN' },
      timezone: { name: null, generator: (zone) => vtimezone(zone, range.from, range.to) },
    });
  }

  private async people(ids: readonly string[]): Promise<Map<string, { name: string; email: string }>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const { rows } = await this.pool.query<{ user_id: string; name: string; email: string }>(
      `select user_id, name, email from ${DIRECTORY_SCHEMA}.user_profiles where user_id = any($1)`,
      [unique],
    );
    return new Map(rows.map((row) => [row.user_id, { name: row.name, email: row.email }]));
  }

  private async roomNames(ids: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const { rows } = await this.pool.query<{ room_id: string; name: string }>(
      `select room_id, name from ${DIRECTORY_SCHEMA}.room_profiles where room_id = any($1)`,
      [unique],
    );
    return new Map(rows.map((row) => [row.room_id, row.name]));
  }
}

function requireFeed(kind: unknown, id: unknown): { kind: FeedKind; id: string } {
  if (kind !== 'user' && kind !== 'room') throw new ValidationFailed('kind', 'user or room');
  if (typeof id !== 'string' || id === '' || id.length > 200)
    throw new ValidationFailed('id', 'a user or room id');
  return { kind, id };
}

function sameSecret(stored: string, given: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const isText = (value: string | undefined): value is string => typeof value === 'string' && value !== '';
const userIdOf = (attendee: Attendee): string[] => ('userId' in attendee ? [attendee.userId] : []);

/** People without a known address get one that can never be delivered to (RFC 6761 `.invalid`). */
function person(people: Map<string, { name: string; email: string }>, userId: string) {
  const known = people.get(userId);
  return { name: known?.name || userId, email: known?.email || `${userId}@users.roomledger.invalid` };
}

const PARTSTAT = {
  'needs-action': ICalAttendeeStatus.NEEDSACTION,
  accepted: ICalAttendeeStatus.ACCEPTED,
  declined: ICalAttendeeStatus.DECLINED,
  tentative: ICalAttendeeStatus.TENTATIVE,
} as const;

function attendeeOf(
  people: Map<string, { name: string; email: string }>,
  attendee: Attendee,
): ICalAttendeeData {
  const who =
    'userId' in attendee ? person(people, attendee.userId) : { name: attendee.email, email: attendee.email };
  return {
    ...who,
    role: attendee.required ? ICalAttendeeRole.REQ : ICalAttendeeRole.OPT,
    status: PARTSTAT[attendee.response],
  };
}

/** An instant as a zoned date-time: ical-generator writes it as local time with TZID. */
const zoned = (instant: string, zone: string) => Temporal.Instant.from(instant).toZonedDateTimeISO(zone);

/** Local `YYYYMMDDTHHMMSS` of an instant in a zone (EXDATE;TZID=...). */
function localStamp(instant: string, zone: string): string {
  const t = zoned(instant, zone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(t.year).padStart(4, '0')}${two(t.month)}${two(t.day)}T${two(t.hour)}${two(t.minute)}${two(t.second)}`;
}
