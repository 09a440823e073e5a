import {
  attendeeKey,
  evolveMeeting,
  initialMeetingState,
  isoOf,
  msOf,
  type MeetingEvent,
  type MeetingState,
} from '@roomledger/booking-domain';
import type { RecordedEvent } from '@roomledger/event-store';
import type { PoolClient } from 'pg';
import { calendarEntriesOf, expansionWindow, seriesEndOf } from '../meetings/meeting-occurrences';

/**
 * The meeting part of `booking_read`, fed by the `meeting` category inside the booking-read
 * projection (one schema, one checkpoint, one rebuild):
 *
 * - `meetings`: each meeting's folded state (`evolveMeeting`, the domain's own), with what queries
 *   filter on (organizer, status, room, first start, end of the series, how far it is expanded);
 * - `meeting_attendees`: who is invited, for "my meetings" and free/busy;
 * - `calendar_entries`: every occurrence per user attendee over a bounded horizon (`tstzrange` +
 *   GiST on `(user_id, period)`), with the user's answer for it, so free/busy and the scheduling
 *   assistant read one index range per person.
 *
 * Each meeting row keeps the stream revision of the last event applied, so a replay is harmless; a
 * batch folds each meeting's events and rewrites its attendee and calendar rows once.
 */
export const MEETING_READ_TABLES = `
  create table if not exists meetings (
    meeting_id text primary key,
    organizer_id text not null,
    title text not null,
    status text not null check (status in ('scheduled', 'cancelled')),
    visibility text not null,
    recurring boolean not null,
    start_at timestamptz not null,
    series_end timestamptz,
    room_id text,
    booking_id text,
    expanded_from timestamptz not null,
    expanded_until timestamptz not null,
    expansion_complete boolean not null,
    state jsonb not null,
    stream_revision bigint not null,
    checkpoint text collate "C" not null,
    updated_at timestamptz not null
  );
  create index if not exists meetings_series_rooms on meetings (room_id)
    where recurring and status = 'scheduled' and room_id is not null;

  create table if not exists meeting_attendees (
    meeting_id text not null,
    attendee_key text not null,
    user_id text,
    email text,
    required boolean not null,
    response text not null,
    -- the calendar rows do not cover the whole meeting (a long or endless series): queries expand the rest
    partial boolean not null,
    primary key (meeting_id, attendee_key)
  );
  create index if not exists meeting_attendees_user on meeting_attendees (user_id, meeting_id);
  create index if not exists meeting_attendees_partial on meeting_attendees (user_id) where partial;

  create table if not exists calendar_entries (
    user_id text not null,
    meeting_id text not null,
    original_start timestamptz not null,
    start_at timestamptz not null,
    end_at timestamptz not null,
    period tstzrange generated always as (tstzrange(start_at, end_at, '[)')) stored,
    response text not null,
    title text not null,
    visibility text not null,
    organizer_id text not null,
    room_id text,
    recurring boolean not null,
    primary key (user_id, meeting_id, original_start)
  );
  create index if not exists calendar_entries_user_period on calendar_entries using gist (user_id, period);
  create index if not exists calendar_entries_meeting on calendar_entries (meeting_id);

  -- How far each room series has been decided (booked or skipped), from the room schedule's events:
  -- the series job books the occurrences after it as the booking window moves forward.
  create table if not exists series_bookings (
    series_id text primary key,
    room_id text not null,
    meeting_id text,
    considered_until timestamptz not null,
    checkpoint text collate "C" not null
  );
`;

export interface MeetingReadOptions {
  /** How far past each change the calendar rows reach (days). */
  readonly calendarHorizonDays: number;
}

interface MeetingRow {
  meeting_id: string;
  state: MeetingState;
  stream_revision: string;
}

/** Applies a batch's meeting events (any order across meetings, stream order within one). */
export async function applyMeetingEvents(
  client: PoolClient,
  events: readonly RecordedEvent[],
  options: MeetingReadOptions,
): Promise<void> {
  const byMeeting = new Map<string, RecordedEvent<MeetingEvent>[]>();
  for (const event of events) {
    const meetingId = event.streamName.slice('meeting-'.length);
    byMeeting.set(meetingId, [...(byMeeting.get(meetingId) ?? []), event as RecordedEvent<MeetingEvent>]);
  }
  const ids = [...byMeeting.keys()];
  const { rows } = await client.query<MeetingRow>(
    'select meeting_id, state, stream_revision::text from meetings where meeting_id = any($1)',
    [ids],
  );
  const stored = new Map(rows.map((row) => [row.meeting_id, row]));

  const meetingRows: Record<string, unknown>[] = [];
  const attendeeRows: Record<string, unknown>[] = [];
  const calendarRows: Record<string, unknown>[] = [];
  const changed: string[] = [];
  for (const [meetingId, list] of byMeeting) {
    const row = stored.get(meetingId);
    const appliedUpTo = row ? BigInt(row.stream_revision) : -1n;
    const fresh = list.filter((event) => event.revision > appliedUpTo);
    if (fresh.length === 0) continue;
    const state = fresh.reduce(
      (current, event) => evolveMeeting(current, { type: event.type, data: event.data } as MeetingEvent),
      row?.state ?? initialMeetingState(),
    );
    if (state.status === 'none') continue;
    const last = fresh[fresh.length - 1];
    const changedAt = msOf(
      String((last.data as { occurredAt?: string }).occurredAt ?? last.createdAt.toISOString()),
    );
    const window = expansionWindow(state, changedAt, options.calendarHorizonDays);
    const end = seriesEndOf(state);
    changed.push(meetingId);
    let expandedUntil = window.to;
    let complete = window.complete;
    if (state.status === 'scheduled') {
      const expanded = calendarEntriesOf(state, window);
      if (expanded.truncated && expanded.lastStart !== undefined) {
        expandedUntil = expanded.lastStart;
        complete = false;
      }
      for (const entry of expanded.entries) {
        if (msOf(entry.originalStart) >= expandedUntil && expanded.truncated) continue;
        calendarRows.push({
          user_id: entry.userId,
          meeting_id: entry.meetingId,
          original_start: entry.originalStart,
          start_at: entry.start,
          end_at: entry.end,
          response: entry.response,
          title: entry.title,
          visibility: entry.visibility,
          organizer_id: entry.organizerId,
          room_id: entry.roomId ?? null,
          recurring: entry.recurring,
        });
      }
    }
    for (const attendee of state.attendees) {
      attendeeRows.push({
        meeting_id: meetingId,
        attendee_key: attendeeKey(attendee),
        user_id: 'userId' in attendee ? attendee.userId : null,
        email: 'email' in attendee ? attendee.email : null,
        required: attendee.required,
        response: attendee.response,
        partial: !complete,
      });
    }
    meetingRows.push({
      meeting_id: meetingId,
      organizer_id: state.organizerId,
      title: state.title,
      status: state.status,
      visibility: state.visibility,
      recurring: state.recurrence !== undefined,
      start_at: state.start,
      series_end: end === undefined ? null : isoOf(end),
      room_id: state.room?.roomId ?? null,
      booking_id: state.room?.bookingId ?? null,
      expanded_from: isoOf(window.from),
      expanded_until: isoOf(expandedUntil),
      expansion_complete: complete,
      state,
      stream_revision: last.revision.toString(),
      checkpoint: last.checkpoint,
      updated_at: last.createdAt.toISOString(),
    });
  }
  if (changed.length === 0) return;

  await client.query(
    `insert into meetings as current
       select * from jsonb_populate_recordset(null::meetings, $1::jsonb)
     on conflict (meeting_id) do update set
       organizer_id = excluded.organizer_id, title = excluded.title, status = excluded.status,
       visibility = excluded.visibility, recurring = excluded.recurring, start_at = excluded.start_at,
       series_end = excluded.series_end, room_id = excluded.room_id, booking_id = excluded.booking_id,
       expanded_from = excluded.expanded_from, expanded_until = excluded.expanded_until,
       expansion_complete = excluded.expansion_complete, state = excluded.state,
       stream_revision = excluded.stream_revision, checkpoint = excluded.checkpoint,
       updated_at = excluded.updated_at
     where current.stream_revision < excluded.stream_revision`,
    [JSON.stringify(meetingRows)],
  );
  await client.query('delete from meeting_attendees where meeting_id = any($1)', [changed]);
  await client.query('delete from calendar_entries where meeting_id = any($1)', [changed]);
  if (attendeeRows.length > 0)
    await client.query(
      `insert into meeting_attendees select * from jsonb_populate_recordset(null::meeting_attendees, $1::jsonb)`,
      [JSON.stringify(attendeeRows)],
    );
  if (calendarRows.length > 0)
    await client.query(
      `insert into calendar_entries (user_id, meeting_id, original_start, start_at, end_at, response, title,
           visibility, organizer_id, room_id, recurring)
         select user_id, meeting_id, original_start, start_at, end_at, response, title, visibility,
           organizer_id, room_id, recurring
         from jsonb_to_recordset($1::jsonb) as x(user_id text, meeting_id text, original_start timestamptz,
           start_at timestamptz, end_at timestamptz, response text, title text, visibility text,
           organizer_id text, room_id text, recurring boolean)
       on conflict do nothing`,
      [JSON.stringify(calendarRows)],
    );
}

/** A room series' progress: the latest occurrence start decided (booked or skipped) per series. */
export interface SeriesProgress {
  readonly series_id: string;
  readonly room_id: string;
  readonly meeting_id: string | null;
  readonly considered_until: string;
  readonly checkpoint: string;
}

export async function applySeriesProgress(
  client: PoolClient,
  rows: readonly SeriesProgress[],
): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `insert into series_bookings as current (series_id, room_id, meeting_id, considered_until, checkpoint)
       select series_id, room_id, meeting_id, considered_until, checkpoint
         from jsonb_to_recordset($1::jsonb) as x(series_id text, room_id text, meeting_id text,
           considered_until timestamptz, checkpoint text)
     on conflict (series_id) do update set
       considered_until = greatest(current.considered_until, excluded.considered_until),
       meeting_id = coalesce(current.meeting_id, excluded.meeting_id),
       checkpoint = greatest(current.checkpoint, excluded.checkpoint)`,
    [JSON.stringify(mergeSeriesProgress(rows))],
  );
}

/** One row per series (an upsert may not touch a row twice). */
function mergeSeriesProgress(rows: readonly SeriesProgress[]): SeriesProgress[] {
  const merged = new Map<string, SeriesProgress>();
  for (const row of rows) {
    const seen = merged.get(row.series_id);
    merged.set(
      row.series_id,
      !seen
        ? row
        : {
            ...seen,
            meeting_id: seen.meeting_id ?? row.meeting_id,
            considered_until:
              msOf(row.considered_until) > msOf(seen.considered_until)
                ? row.considered_until
                : seen.considered_until,
            checkpoint: row.checkpoint > seen.checkpoint ? row.checkpoint : seen.checkpoint,
          },
    );
  }
  return [...merged.values()];
}
