import {
  MEETING_REMINDER_HORIZON_MS,
  planMeetingReminders,
  type MeetingFacts,
  type OccurrenceFacts,
} from '../domain';
import { reminderOffsetsOf, type Sql } from '../directory/recipient-directory';
import { SCHEMA } from '../persistence/schema';
import { occurrencesOf } from '../meeting/meeting-series';

export interface MeetingReminderSettings {
  readonly defaultOffsetsMinutes: readonly number[];
  /** The length of a minute for the offsets: 60,000 except in tests. */
  readonly minuteMs: number;
}

/**
 * Makes the `reminders` rows of a meeting what it owes now (inside the caller's transaction): the
 * planned ones inserted or re-timed, every other still scheduled row of the meeting cancelled (a moved
 * or cancelled occurrence, a declined invitation, an attendee taken off). Changed rows are left
 * unsynced for the {@link ReminderQueue} to mirror into Redis. A series is planned for the occurrences
 * within the horizon; `planned_until` says how far, for the queue's re-planning as the series nears.
 */
export async function planMeetingReminderRows(
  sql: Sql,
  meeting: MeetingFacts,
  settings: MeetingReminderSettings,
  now: number,
): Promise<void> {
  const until = now + MEETING_REMINDER_HORIZON_MS;
  // A single meeting is planned however far ahead it is: one occurrence is never many jobs.
  const to = meeting.recurrence ? until : Math.max(until, Date.parse(meeting.end) + 1);
  const occurrences = meeting.status === 'scheduled' ? occurrencesWithin(meeting, now, to) : [];
  const users = [...new Set([meeting.organizerId, ...meeting.attendees.flatMap((a) => a.userId ?? [])])];
  const chosen = meeting.reminderMinutes.length > 0 ? new Map() : await reminderOffsetsOf(sql, users);
  const planned = planMeetingReminders(
    meeting,
    occurrences,
    (userId) => chosen.get(userId) ?? settings.defaultOffsetsMinutes,
    now,
    settings.minuteMs,
  );
  for (const reminder of planned)
    await sql.query(
      `insert into ${SCHEMA}.reminders as r
         (job_id, subject, kind, recipient_id, offset_minutes, fire_at, facts, status)
       values ($1, $2, 'meeting-reminder', $3, $4, $5, $6, 'scheduled')
       on conflict (job_id) do update
         set fire_at = excluded.fire_at, facts = excluded.facts, status = 'scheduled',
             synced = false, updated_at = now()
       where r.fire_at <> excluded.fire_at or r.status = 'cancelled'
          or (r.status = 'scheduled' and r.facts <> excluded.facts)`,
      [
        reminder.jobId,
        meeting.meetingId,
        reminder.recipientId,
        reminder.offsetMinutes,
        reminder.fireAt,
        JSON.stringify(reminder.reminder),
      ],
    );
  await sql.query(
    `update ${SCHEMA}.reminders set status = 'cancelled', synced = false, updated_at = now()
      where subject = $1 and status = 'scheduled' and not (job_id = any($2))`,
    [meeting.meetingId, planned.map((reminder) => reminder.jobId)],
  );
  await sql.query(`update ${SCHEMA}.meetings set planned_until = $2 where meeting_id = $1`, [
    meeting.meetingId,
    meeting.recurrence && meeting.status === 'scheduled' ? new Date(until) : null,
  ]);
}

/** The occurrences overlapping [from, to), with what a reminder needs of each. */
function occurrencesWithin(meeting: MeetingFacts, from: number, to: number): OccurrenceFacts[] {
  const { occurrences } = occurrencesOf(meeting, {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
  });
  return occurrences.map((occurrence) => ({
    originalStart: occurrence.originalStart,
    start: occurrence.start,
    end: occurrence.end,
    title: occurrence.title,
  }));
}

/**
 * Series whose planned reminders end within half the horizon, locked for this transaction (instances
 * share the work): the caller plans each again, which moves their horizon on.
 */
export async function seriesToPlan(sql: Sql, now: number, limit = 50): Promise<MeetingFacts[]> {
  const { rows } = await sql.query<{ meeting: MeetingFacts }>(
    `select meeting from ${SCHEMA}.meetings
      where planned_until is not null and planned_until < $1
      order by planned_until limit $2 for update skip locked`,
    [new Date(now + MEETING_REMINDER_HORIZON_MS / 2), limit],
  );
  return rows.map((row) => row.meeting);
}
