import type { MeetingFacts } from '../domain';
import type { Sql } from '../directory/recipient-directory';
import { SCHEMA } from '../persistence/schema';
import { occurrencesOf } from './meeting-series';

/** The service's copy of a meeting (locked for the consuming transaction), or undefined if never seen. */
export async function loadMeeting(sql: Sql, meetingId: string): Promise<MeetingFacts | undefined> {
  const { rows } = await sql.query<{ meeting: MeetingFacts }>(
    `select meeting from ${SCHEMA}.meetings where meeting_id = $1 for update`,
    [meetingId],
  );
  return rows[0]?.meeting;
}

/**
 * Keeps the copy unless a later revision is already there, with when the meeting is over
 * ({@link overAt}; a cancelled one: now), which the retention reads.
 */
export async function saveMeeting(sql: Sql, meeting: MeetingFacts): Promise<void> {
  await sql.query(
    `insert into ${SCHEMA}.meetings as m (meeting_id, revision, meeting, over_at)
     values ($1, $2, $3, coalesce($4::timestamptz, now()))
     on conflict (meeting_id) do update
       set revision = excluded.revision, meeting = excluded.meeting, over_at = excluded.over_at,
           updated_at = now()
       where m.revision <= excluded.revision`,
    [meeting.meetingId, meeting.revision, JSON.stringify(meeting), overAt(meeting)],
  );
}

/** Far enough for any finite series (COUNT is at most 1,000; UNTIL is a date). */
const THE_END = '9999-12-31T00:00:00.000Z';

/**
 * When a meeting is over, as an instant for `notification.meetings.over_at`: a single meeting's end; a
 * series' last occurrence's end (EXDATEs removed, moved occurrences where they went), when its rule has
 * UNTIL or COUNT; 'infinity' for a series without an end (never over). Undefined for a cancelled
 * meeting: it is over when the cancellation is applied (the caller's now). A series too long to expand
 * (over 1,000 occurrences) counts from its UNTIL (plus a day of slack for the local clock), or never.
 */
export function overAt(meeting: MeetingFacts): string | undefined {
  if (meeting.status === 'cancelled') return undefined;
  if (!meeting.recurrence) return meeting.end;
  const { until, count } = meeting.recurrence.rule;
  if (until === undefined && count === undefined) return 'infinity';
  const { occurrences, truncated } = occurrencesOf(meeting, { from: new Date(0).toISOString(), to: THE_END });
  const ends = [meeting.end, ...occurrences.map((occurrence) => occurrence.end)].map(Date.parse);
  if (truncated) {
    if (until === undefined) return 'infinity';
    const duration = Date.parse(meeting.end) - Date.parse(meeting.start);
    ends.push(Date.parse(until) + duration + 86_400_000, ...meeting.overrides.map((o) => Date.parse(o.end)));
  }
  return new Date(Math.max(...ends)).toISOString();
}
