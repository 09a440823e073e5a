import ical, {
  ICalAttendeeRole,
  ICalAttendeeStatus,
  ICalCalendarMethod,
  ICalEventStatus,
} from 'ical-generator';
import { DAY_MS, vtimezone } from '@roomledger/booking-domain';
import { Temporal } from 'temporal-polyfill';
import type { CalendarInvite, MeetingCalendar, PartStat } from '../domain';

/**
 * The invite as an iCalendar object (RFC 5545) carrying its iTIP method (RFC 5546). Times are written
 * in UTC (`DTSTART:...Z`), so no VTIMEZONE is needed and every client shows them on its own clock. The
 * organizer is the service's sender address: the booking is the recipient's, but the message is ours.
 */
export function renderInvite(
  invite: CalendarInvite | MeetingCalendar,
  organizer: { name: string; email: string },
): string {
  if ('kind' in invite) return renderMeeting(invite, organizer);
  const calendar = ical({
    method: invite.method === 'REQUEST' ? ICalCalendarMethod.REQUEST : ICalCalendarMethod.CANCEL,
    prodId: { company: 'roomledger', product: 'notification', language: 'EN' },
  });
  calendar.createEvent({
    id: invite.uid,
    sequence: invite.sequence,
    start: new Date(invite.start),
    end: new Date(invite.end),
    stamp: new Date(invite.stamp),
    summary: invite.summary,
    location: invite.location,
    status: invite.status === 'CONFIRMED' ? ICalEventStatus.CONFIRMED : ICalEventStatus.CANCELLED,
    // ical-generator refuses an empty CN; a bare sender address names itself.
    organizer: { name: organizer.name || organizer.email, email: organizer.email },
    attendees: [
      {
        name: invite.attendee.name,
        email: invite.attendee.email,
        role: ICalAttendeeRole.REQ,
        status: ICalAttendeeStatus.ACCEPTED,
        rsvp: false,
      },
    ],
  });
  return calendar.toString();
}

const PARTSTAT: Record<PartStat, ICalAttendeeStatus> = {
  'NEEDS-ACTION': ICalAttendeeStatus.NEEDSACTION,
  ACCEPTED: ICalAttendeeStatus.ACCEPTED,
  DECLINED: ICalAttendeeStatus.DECLINED,
  TENTATIVE: ICalAttendeeStatus.TENTATIVE,
};

/**
 * A meeting's iTIP message: each VEVENT with `DTSTART;TZID=<the meeting's zone>` (wall-clock times,
 * which ical-generator writes as they are under a TZID), the series' RRULE and
 * EXDATEs, or an occurrence's RECURRENCE-ID. The organizer is the meeting's, when the directory knows
 * them; otherwise the service's sender stands in.
 */
function renderMeeting(invite: MeetingCalendar, sender: { name: string; email: string }): string {
  const calendar = ical({
    method: invite.method === 'REQUEST' ? ICalCalendarMethod.REQUEST : ICalCalendarMethod.CANCEL,
    prodId: { company: 'roomledger', product: 'notification', language: 'EN' },
    // One VTIMEZONE per zone used, from the time-zone database, covering the first event's start up to
    // ten years on: Outlook needs it to place TZID times; other clients resolve the IANA name anyway.
    timezone: { name: null, generator: (zone) => vtimezone(zone, ...zoneRange(invite)) },
  });
  const organizer = invite.organizer ?? sender;
  for (const event of invite.events) {
    const zoneValue = (wallClock: string) => `;TZID=${event.timeZone}:${wallClock.replace(/[-:]/g, '')}`;
    calendar.createEvent({
      id: event.uid,
      sequence: event.sequence,
      timezone: event.timeZone,
      start: local(event.start),
      end: local(event.end),
      stamp: new Date(event.stamp),
      summary: event.summary,
      ...(event.description ? { description: event.description } : {}),
      ...(event.location ? { location: event.location } : {}),
      status: event.status === 'CONFIRMED' ? ICalEventStatus.CONFIRMED : ICalEventStatus.CANCELLED,
      ...(event.recurrenceId ? { recurrenceId: local(event.recurrenceId) } : {}),
      // The rule is the meetings service's own RRULE text, in the meeting's local time.
      ...(event.rrule
        ? {
            repeating: [
              `RRULE:${event.rrule}`,
              ...(event.exdates ?? []).map((exdate) => `EXDATE${zoneValue(exdate)}`),
            ].join('\r\n'),
          }
        : {}),
      organizer: { name: organizer.name || organizer.email, email: organizer.email },
      attendees: event.attendees.map((attendee) => ({
        name: attendee.name || attendee.email,
        email: attendee.email,
        role: attendee.required ? ICalAttendeeRole.REQ : ICalAttendeeRole.OPT,
        status: PARTSTAT[attendee.partstat],
        rsvp: attendee.partstat === 'NEEDS-ACTION',
      })),
    });
  }
  return calendar.toString();
}

/**
 * A wall-clock time as a Temporal.PlainDateTime: ical-generator writes its fields as they are under the
 * TZID. (A plain string it would parse on the process's own clock, which shifts a time in the process
 * zone's DST gap.)
 */
function local(wallClock: string): Temporal.PlainDateTime {
  return Temporal.PlainDateTime.from(wallClock);
}

/** The span a meeting message's VTIMEZONEs cover: a day before its first event, ten years after. */
function zoneRange(invite: MeetingCalendar): [number, number] {
  const first = Math.min(
    ...invite.events.map((event) => local(event.start).toZonedDateTime(event.timeZone).epochMilliseconds),
  );
  return [first - DAY_MS, first + 10 * 365 * DAY_MS];
}
