import type { MeetingFacts } from '../domain';
import type { Sql } from '../directory/recipient-directory';
import { SCHEMA } from '../persistence/schema';

/** The service's copy of a meeting (locked for the consuming transaction), or undefined if never seen. */
export async function loadMeeting(sql: Sql, meetingId: string): Promise<MeetingFacts | undefined> {
  const { rows } = await sql.query<{ meeting: MeetingFacts }>(
    `select meeting from ${SCHEMA}.meetings where meeting_id = $1 for update`,
    [meetingId],
  );
  return rows[0]?.meeting;
}

/** Keeps the copy unless a later revision is already there. */
export async function saveMeeting(sql: Sql, meeting: MeetingFacts): Promise<void> {
  await sql.query(
    `insert into ${SCHEMA}.meetings as m (meeting_id, revision, meeting) values ($1, $2, $3)
     on conflict (meeting_id) do update
       set revision = excluded.revision, meeting = excluded.meeting, updated_at = now()
       where m.revision <= excluded.revision`,
    [meeting.meetingId, meeting.revision, JSON.stringify(meeting)],
  );
}
