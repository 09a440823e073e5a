import type { TimeSpan } from '../errors';
import { msOf, type IsoInstant } from '../instants';
import { clip, merge, type Interval } from '../intervals';
import { spanOf } from '../room-schedule.rules';
import { attendeeKey, type AttendeeRef, type MeetingDetails, type ResponseStatus } from './meeting.model';
import type { MeetingState } from './meeting.state';
import { expandSeries, type Occurrence } from './recurrence';

/**
 * Which answers keep an attendee busy. `accepted` and `tentative` obviously; `needs-action` too, as
 * calendar clients show an unanswered invitation in the calendar and block its time until it is
 * declined (otherwise the assistant would offer a slot the invitee may well be about to accept).
 * Only `declined` frees the time.
 */
export const BUSY_RESPONSES: readonly ResponseStatus[] = ['accepted', 'tentative', 'needs-action'];

/** The attendee's answer for one occurrence: their answer for it alone, else for the series. */
export const responseFor = (
  meeting: MeetingDetails,
  attendee: AttendeeRef,
  originalStart: IsoInstant,
): ResponseStatus | undefined => {
  const key = attendeeKey(attendee);
  const invited = meeting.attendees.find((a) => attendeeKey(a) === key);
  if (!invited) return undefined;
  return (
    meeting.overrides.find((o) => o.originalStart === originalStart)?.responses[key]?.response ??
    invited.response
  );
};

/**
 * An attendee's busy time in a window, from the meetings they are invited to (organizer included):
 * every occurrence they have not declined, merged into sorted, disjoint spans clipped to the window.
 * Cancelled meetings and cancelled occurrences take no time.
 */
export const busyPeriods = (
  meetings: readonly MeetingState[],
  attendee: AttendeeRef,
  window: { readonly from: IsoInstant; readonly to: IsoInstant },
): TimeSpan[] => {
  const range: Interval = { start: msOf(window.from), end: msOf(window.to) };
  const key = attendeeKey(attendee);
  const busy: Interval[] = [];
  for (const meeting of meetings) {
    if (meeting.status !== 'scheduled' || !meeting.attendees.some((a) => attendeeKey(a) === key)) continue;
    for (const occurrence of expandSeries(meeting, window).occurrences) {
      const response = responseFor(meeting, attendee, occurrence.originalStart);
      const slot = clip({ start: msOf(occurrence.start), end: msOf(occurrence.end) }, range);
      if (slot && response !== undefined && BUSY_RESPONSES.includes(response)) busy.push(slot);
    }
  }
  return merge(busy).map(spanOf);
};

/** What someone sees of an occurrence: everything, or for a private meeting they are not part of, only that it is busy. */
export type OccurrenceView =
  (Occurrence & { readonly busyOnly: false }) | (TimeSpan & { readonly busyOnly: true });

/** The organizer and the attendees see a private meeting; everyone else (admins too) sees busy time. */
export const occurrenceAsSeenBy = (
  meeting: MeetingDetails,
  occurrence: Occurrence,
  viewer: AttendeeRef,
): OccurrenceView => {
  const key = attendeeKey(viewer);
  const involved = meeting.attendees.some((a) => attendeeKey(a) === key);
  if (meeting.visibility === 'public' || involved) return { ...occurrence, busyOnly: false };
  return { start: occurrence.start, end: occurrence.end, busyOnly: true };
};
