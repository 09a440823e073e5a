import ical, {
  ICalAttendeeRole,
  ICalAttendeeStatus,
  ICalCalendarMethod,
  ICalEventStatus,
} from 'ical-generator';
import type { CalendarInvite } from '../domain';

/**
 * The invite as an iCalendar object (RFC 5545) carrying its iTIP method (RFC 5546). Times are written
 * in UTC (`DTSTART:...Z`), so no VTIMEZONE is needed and every client shows them on its own clock. The
 * organizer is the service's sender address: the booking is the recipient's, but the message is ours.
 */
export function renderInvite(invite: CalendarInvite, organizer: { name: string; email: string }): string {
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
