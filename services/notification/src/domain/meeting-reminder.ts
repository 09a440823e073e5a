import { responseFor, utcStamp, type MeetingFacts } from './meeting';
import type { MeetingReminderFacts, OccurrenceFacts } from './meeting-notice';
import { planReminders } from './reminder';

/**
 * How far ahead a series' occurrences get reminder jobs. Later occurrences are planned as the horizon
 * moves (the reminder queue re-plans a series whose plan ends within half of it), so a series of a
 * year is never a year of delayed jobs in Redis at once.
 */
export const MEETING_REMINDER_HORIZON_MS = 14 * 24 * 60 * 60_000;

export interface PlannedMeetingReminder {
  readonly jobId: string;
  readonly recipientId: string;
  readonly offsetMinutes: number;
  readonly fireAt: string;
  readonly reminder: MeetingReminderFacts;
}

/**
 * The reminders a meeting owes from `now` on: for each of its `occurrences` (a series' occurrences
 * within the horizon, the caller's expansion; a single meeting's one), for the organizer and every
 * invited user who has not declined that occurrence (guests get none: their own calendar reminds them),
 * at the meeting's `reminderMinutes` if the organizer set any, else at the person's own offsets. A
 * cancelled meeting owes none. Each has a deterministic job id, so planning again finds the same jobs.
 */
export function planMeetingReminders(
  meeting: MeetingFacts,
  occurrences: readonly OccurrenceFacts[],
  offsetsOf: (userId: string) => readonly number[],
  now: number,
  minuteMs = 60_000,
): PlannedMeetingReminder[] {
  if (meeting.status === 'cancelled') return [];
  const planned: PlannedMeetingReminder[] = [];
  for (const occurrence of occurrences) {
    const originalStart = meeting.recurrence ? occurrence.originalStart : undefined;
    const reminded = new Set<string>([meeting.organizerId]);
    for (const attendee of meeting.attendees) {
      if (attendee.userId === undefined) continue;
      if (responseFor(meeting, attendee, originalStart) === 'declined') reminded.delete(attendee.userId);
      else reminded.add(attendee.userId);
    }
    const reminder: MeetingReminderFacts = {
      meetingId: meeting.meetingId,
      organizerId: meeting.organizerId,
      title: occurrence.title ?? meeting.title,
      timeZone: meeting.timeZone,
      ...(meeting.room ? { roomId: meeting.room.roomId } : {}),
      occurrence,
    };
    for (const recipientId of reminded) {
      const offsets = meeting.reminderMinutes.length > 0 ? meeting.reminderMinutes : offsetsOf(recipientId);
      for (const { offsetMinutes, fireAt } of planReminders(occurrence.start, offsets, now, minuteMs))
        planned.push({
          jobId: meetingReminderJobId(meeting.meetingId, originalStart, recipientId, offsetMinutes),
          recipientId,
          offsetMinutes,
          fireAt,
          reminder,
        });
    }
  }
  return planned;
}

/**
 * A meeting reminder's job id (no `:`, as BullMQ wants): per (meeting, occurrence, person, offset). A
 * single meeting's occurrence is `once`, so moving it re-times the same job; a series' occurrence is
 * named by its original start, which a move of that occurrence alone keeps.
 */
export function meetingReminderJobId(
  meetingId: string,
  originalStart: string | undefined,
  recipientId: string,
  offsetMinutes: number,
): string {
  const occurrence = originalStart === undefined ? 'once' : utcStamp(originalStart);
  return `reminder_${meetingId}_${occurrence}_${recipientId}_${offsetMinutes}`;
}
