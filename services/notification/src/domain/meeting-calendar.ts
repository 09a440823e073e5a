import { wallClock } from './local-time';
import { responseFor, type AttendeeResponse, type MeetingFacts, type MeetingOverride } from './meeting';
import type { MeetingNotice, OccurrenceFacts } from './meeting-notice';

export interface CalendarPerson {
  readonly name: string;
  readonly email: string;
}

export type PartStat = 'NEEDS-ACTION' | 'ACCEPTED' | 'DECLINED' | 'TENTATIVE';

/**
 * One VEVENT of a meeting's iTIP message. Times are wall-clock times in `timeZone` (`DTSTART;TZID=`),
 * because a series' rule runs on the meeting's local clock: a weekly 09:00 Berlin meeting stays at
 * 09:00 across DST, which a rule over UTC times would not say.
 */
export interface MeetingCalendarEvent {
  /** `<meetingId>@roomledger`: every update and cancellation of the meeting names the same entry. */
  readonly uid: string;
  readonly sequence: number;
  readonly stamp: string;
  readonly timeZone: string;
  /** `YYYY-MM-DDTHH:MM:SS` in `timeZone`. */
  readonly start: string;
  readonly end: string;
  readonly summary: string;
  readonly description: string;
  readonly location?: string;
  readonly status: 'CONFIRMED' | 'CANCELLED';
  /** A series' rule (RRULE value) and its cancelled occurrences (wall-clock times in `timeZone`). */
  readonly rrule?: string;
  readonly exdates?: readonly string[];
  /** One occurrence of a series (its original start, wall-clock in `timeZone`). */
  readonly recurrenceId?: string;
  readonly attendees: readonly (CalendarPerson & {
    readonly partstat: PartStat;
    readonly required: boolean;
  })[];
}

/** A meeting's iTIP message (RFC 5546): REQUEST adds or updates, CANCEL removes. */
export interface MeetingCalendar {
  readonly kind: 'meeting';
  readonly method: 'REQUEST' | 'CANCEL';
  /** The organizer as the directory knows them; absent: the service's sender stands in. */
  readonly organizer?: CalendarPerson;
  readonly events: readonly MeetingCalendarEvent[];
}

/** Names and addresses of users (the directory now), for ORGANIZER and ATTENDEE. */
export type People = ReadonlyMap<string, CalendarPerson>;

const PARTSTAT: Record<AttendeeResponse, PartStat> = {
  'needs-action': 'NEEDS-ACTION',
  accepted: 'ACCEPTED',
  declined: 'DECLINED',
  tentative: 'TENTATIVE',
};

/**
 * The calendar object a meeting notice carries to `recipient`, or undefined when it carries none:
 * invitations and changes REQUEST (the whole meeting: the series with RRULE/EXDATE and its changed
 * occurrences; a change of one occurrence: that occurrence with RECURRENCE-ID); a cancellation of the
 * meeting (or of the recipient's place in it) or of one occurrence CANCELs; a cancellation of the rest
 * of a series REQUESTs the series with its new UNTIL. Answers, conflicts and reminders carry none.
 */
export function meetingCalendar(
  notice: MeetingNotice,
  recipient: CalendarPerson,
  people: People,
): MeetingCalendar | undefined {
  if (notice.kind === 'meeting-reminder') return undefined;
  const { meeting } = notice;
  const organizer = people.get(meeting.organizerId);
  const message = (method: 'REQUEST' | 'CANCEL', events: MeetingCalendarEvent[]): MeetingCalendar => ({
    kind: 'meeting',
    method,
    ...(organizer ? { organizer } : {}),
    events,
  });
  const stamp = notice.occurredAt;
  switch (notice.kind) {
    case 'meeting-invitation':
      return message('REQUEST', seriesEvents(meeting, stamp, recipient, people));
    case 'meeting-updated':
      return notice.scope === 'this' && notice.occurrence
        ? message('REQUEST', [occurrenceEvent(meeting, notice.occurrence, stamp, recipient, people)])
        : message('REQUEST', seriesEvents(meeting, stamp, recipient, people));
    case 'meeting-cancelled':
      if (notice.removed || notice.scope === 'all')
        return message('CANCEL', [
          { ...seriesEvents(meeting, stamp, recipient, people)[0]!, status: 'CANCELLED' },
        ]);
      if (notice.scope === 'this' && notice.occurrence)
        return message('CANCEL', [
          { ...occurrenceEvent(meeting, notice.occurrence, stamp, recipient, people), status: 'CANCELLED' },
        ]);
      return message('REQUEST', seriesEvents(meeting, stamp, recipient, people));
    default:
      return undefined;
  }
}

/** The series (or single meeting) and each occurrence changed on its own. */
function seriesEvents(
  meeting: MeetingFacts,
  stamp: string,
  recipient: CalendarPerson,
  people: People,
): MeetingCalendarEvent[] {
  const master: MeetingCalendarEvent = {
    ...common(meeting, stamp),
    start: wallClock(meeting.start, meeting.timeZone),
    end: wallClock(meeting.end, meeting.timeZone),
    summary: meeting.title,
    description: meeting.description,
    attendees: attendeesOf(meeting, undefined, recipient, people),
    ...(meeting.recurrence
      ? {
          rrule: meeting.recurrence.rrule,
          exdates: meeting.recurrence.exdates.map((exdate) => wallClock(exdate, meeting.timeZone)),
        }
      : {}),
  };
  const changed = meeting.recurrence ? meeting.overrides.filter(changesTheOccurrence) : [];
  return [master, ...changed.map((override) => occurrenceEvent(meeting, override, stamp, recipient, people))];
}

function changesTheOccurrence(override: MeetingOverride): boolean {
  return (
    override.start !== override.originalStart ||
    override.title !== undefined ||
    override.description !== undefined ||
    Object.keys(override.responses).length > 0
  );
}

function occurrenceEvent(
  meeting: MeetingFacts,
  occurrence: OccurrenceFacts & { readonly description?: string },
  stamp: string,
  recipient: CalendarPerson,
  people: People,
): MeetingCalendarEvent {
  const override = meeting.overrides.find((each) => each.originalStart === occurrence.originalStart);
  return {
    ...common(meeting, stamp),
    start: wallClock(occurrence.start, meeting.timeZone),
    end: wallClock(occurrence.end, meeting.timeZone),
    summary: occurrence.title ?? override?.title ?? meeting.title,
    description: occurrence.description ?? override?.description ?? meeting.description,
    recurrenceId: wallClock(occurrence.originalStart, meeting.timeZone),
    attendees: attendeesOf(meeting, occurrence.originalStart, recipient, people),
  };
}

function common(meeting: MeetingFacts, stamp: string) {
  return {
    uid: `${meeting.meetingId}@roomledger`,
    sequence: meeting.sequence,
    stamp,
    timeZone: meeting.timeZone,
    status: 'CONFIRMED' as const,
    ...(meeting.room ? { location: `Room ${meeting.room.roomId}` } : {}),
  };
}

/** Everyone invited whose address is known, with their answer; the recipient always among them. */
function attendeesOf(
  meeting: MeetingFacts,
  originalStart: string | undefined,
  recipient: CalendarPerson,
  people: People,
): MeetingCalendarEvent['attendees'] {
  const listed = meeting.attendees.flatMap((attendee) => {
    const person =
      attendee.userId !== undefined
        ? people.get(attendee.userId)
        : { name: attendee.email!, email: attendee.email! };
    if (!person) return [];
    return [
      {
        ...person,
        partstat: PARTSTAT[responseFor(meeting, attendee, originalStart)],
        required: attendee.required,
      },
    ];
  });
  const self = recipient.email.toLowerCase();
  return listed.some((each) => each.email.toLowerCase() === self)
    ? listed
    : [...listed, { ...recipient, partstat: 'NEEDS-ACTION', required: false }];
}
