import { expandSeries } from '@roomledger/booking-domain';
import type { MeetingFacts } from '../domain';

/**
 * The occurrences of the meeting in [from, to), expanded as the meetings service expands them (its own
 * recurrence code: the same RRULE and time-zone rules, so both agree on every occurrence), and whether
 * the expansion stopped at its limit. What reminders plan and retention dates meeting copies by.
 */
export const occurrencesOf = (meeting: MeetingFacts, window: { from: string; to: string }) =>
  expandSeries(
    {
      meetingId: meeting.meetingId,
      title: meeting.title,
      description: meeting.description,
      start: meeting.start,
      end: meeting.end,
      timeZone: meeting.timeZone,
      ...(meeting.recurrence
        ? { recurrence: { rule: meeting.recurrence.rule, exdates: meeting.recurrence.exdates } }
        : {}),
      overrides: meeting.overrides,
    },
    window,
  );
