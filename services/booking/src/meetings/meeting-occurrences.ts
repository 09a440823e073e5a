import {
  DAY_MS,
  MAX_OCCURRENCES,
  expandSeries,
  generatedStarts,
  isoOf,
  msOf,
  responseFor,
  type IsoInstant,
  type MeetingDetails,
  type ResponseStatus,
} from '@roomledger/booking-domain';

/**
 * Where a meeting's occurrences lie, and one attendee's view of them: what the calendar read model
 * stores per user and what queries expand on the fly where the stored expansion does not reach.
 */

/** One occurrence in one user's calendar. */
export interface CalendarEntry {
  readonly userId: string;
  readonly meetingId: string;
  readonly originalStart: IsoInstant;
  readonly start: IsoInstant;
  readonly end: IsoInstant;
  readonly response: ResponseStatus;
  readonly title: string;
  readonly visibility: 'public' | 'private';
  readonly organizerId: string;
  readonly roomId?: string;
  readonly recurring: boolean;
}

/** The end of the meeting's last occurrence (epoch ms), or undefined for a series without end. */
export const seriesEndOf = (meeting: MeetingDetails): number | undefined => {
  const duration = msOf(meeting.end) - msOf(meeting.start);
  const movedEnds = meeting.overrides.map((o) => msOf(o.end));
  const rule = meeting.recurrence?.rule;
  if (!rule) return Math.max(msOf(meeting.end), ...movedEnds);
  if (rule.until !== undefined) return Math.max(msOf(rule.until) + duration, ...movedEnds);
  if (rule.count !== undefined) {
    const { starts } = generatedStarts(
      meeting,
      msOf(meeting.start),
      Number.MAX_SAFE_INTEGER / 2,
      Math.min(rule.count, MAX_OCCURRENCES),
    );
    const last = starts[starts.length - 1] ?? msOf(meeting.start);
    return Math.max(last + duration, ...movedEnds);
  }
  return undefined;
};

/**
 * The part of a meeting's time the read model expands, decided from the event alone (replays give
 * the same rows): from a year before the change (or the start) to `horizonDays` after it, no further
 * than the series' end. Beyond it, queries expand the series themselves.
 */
export const expansionWindow = (
  meeting: MeetingDetails,
  changedAt: number,
  horizonDays: number,
): { from: number; to: number; complete: boolean } => {
  const start = msOf(meeting.start);
  const end = seriesEndOf(meeting);
  const from = Math.max(start, changedAt - 365 * DAY_MS);
  const horizon = Math.max(start, changedAt) + horizonDays * DAY_MS;
  const to = end === undefined ? horizon : Math.min(end, horizon);
  return { from, to: Math.max(from, to), complete: from === start && end !== undefined && to >= end };
};

/** The occurrences of a meeting in [from, to) as its user attendees' calendar entries. */
export const calendarEntriesOf = (
  meeting: MeetingDetails,
  window: { from: number; to: number },
  onlyUsers?: ReadonlySet<string>,
): { entries: CalendarEntry[]; lastStart: number | undefined; truncated: boolean } => {
  if (window.to <= window.from) return { entries: [], lastStart: undefined, truncated: false };
  const { occurrences, truncated } = expandSeries(meeting, {
    from: isoOf(window.from),
    to: isoOf(window.to),
  });
  const users = meeting.attendees.flatMap((a) =>
    'userId' in a && (!onlyUsers || onlyUsers.has(a.userId)) ? [a.userId] : [],
  );
  const entries: CalendarEntry[] = [];
  for (const occurrence of occurrences) {
    for (const userId of users) {
      entries.push({
        userId,
        meetingId: meeting.meetingId,
        originalStart: occurrence.originalStart,
        start: occurrence.start,
        end: occurrence.end,
        response: responseFor(meeting, { userId }, occurrence.originalStart) ?? 'needs-action',
        title: occurrence.title,
        visibility: meeting.visibility,
        organizerId: meeting.organizerId,
        ...(occurrence.room ? { roomId: occurrence.room.roomId } : {}),
        recurring: meeting.recurrence !== undefined,
      });
    }
  }
  const last = occurrences[occurrences.length - 1];
  return { entries, lastStart: last ? msOf(last.originalStart) : undefined, truncated };
};
