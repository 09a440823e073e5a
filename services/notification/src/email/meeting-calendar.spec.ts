import ICAL from 'ical.js';
import {
  composeEmail,
  meetingNotices,
  type MeetingCalendar,
  type MeetingFacts,
  type Recipient,
} from '../domain';
import {
  meetingFeed,
  meetingPeople,
  organizerCancels,
  organizerUpdates,
  publicMeeting,
  sprintPlanning,
} from '../testing/feed-messages.fixtures';
import { renderInvite } from './calendar';

/**
 * A meeting's messages as iTIP: notices made from real-shaped feed payloads, e-mails composed for a
 * person, the calendar written with ical-generator and read back with ical.js.
 */
describe("A meeting's calendar messages", () => {
  const { olga: organizerId, bea: beaId } = meetingPeople;
  const sender = { name: 'roomledger', email: 'no-reply@roomledger.local' };
  const bea: Recipient = {
    userId: beaId,
    version: 1,
    email: 'bea@example.org',
    name: 'Bea Beispiel',
    timeZone: 'Asia/Kolkata',
    channels: ['email'],
    deactivated: false,
  };
  const people = new Map([
    [organizerId, { name: 'Olga Organizer', email: 'olga@example.org' }],
    [beaId, { name: bea.name, email: bea.email }],
  ]);
  // 09:00 in Berlin (CET), weekly on Mondays; the 16 March occurrence cancelled.
  const series = sprintPlanning({
    guest: { email: 'guest@example.com', required: false, response: 'tentative' },
    room: { roomId: 'spree-3', bookingId: 'd9428888-122b-4d1e-8fd8-1c5a1b1a0f55' },
    recurrence: {
      rule: { frequency: 'weekly', byWeekday: ['mon'], count: 10 },
      exdates: ['2026-03-16T08:00:00Z'],
      rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
    },
  });
  const { meetingId } = series;
  const event = meetingFeed(meetingId);
  const apply = (name: Parameters<typeof event>[0], data: Record<string, unknown>, known?: MeetingFacts) =>
    meetingNotices(event(name, data), known);
  const invitation = apply('scheduled', { ...publicMeeting(series), scheduledBy: organizerId });
  const parse = (invite: MeetingCalendar) => {
    const text = renderInvite(invite, sender);
    const calendar = new ICAL.Component(ICAL.parse(text));
    const events = calendar.getAllSubcomponents('vevent').map((vevent) => new ICAL.Event(vevent));
    return { text, calendar, events };
  };
  const mailFor = (notice: (typeof invitation.notices)[number], to: Recipient = bea) => {
    const mail = composeEmail(notice, to, people);
    expect(mail.invite && 'kind' in mail.invite).toBe(true);
    return { mail, ...parse(mail.invite as MeetingCalendar) };
  };

  it('invites with METHOD:REQUEST: the series on its own clock, its rule, its exceptions, everyone invited', () => {
    const { mail, text, calendar, events } = mailFor(invitation.notices[0]!);
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.uid).toBe(`${meetingId}@roomledger`);
    expect(event!.sequence).toBe(0);
    expect(event!.summary).toBe('Sprint planning');
    expect(event!.location).toBe('Room spree-3');
    expect(text).toMatch(/\r\nDTSTART;TZID=Europe\/Berlin:20260302T090000\r\n/);
    expect(text).toMatch(/\r\nDTEND;TZID=Europe\/Berlin:20260302T100000\r\n/);
    // The zone travels with the invite (Outlook needs it): Berlin's change to summer time in the series.
    expect(text).toContain('BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n');
    expect(text).toContain(
      'BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT',
    );
    expect(event!.component.getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Europe/Berlin');
    expect(String(event!.component.getFirstPropertyValue('rrule'))).toBe('FREQ=WEEKLY;COUNT=10;BYDAY=MO');
    const exdate = event!.component.getFirstProperty('exdate')!;
    expect(exdate.getParameter('tzid')).toBe('Europe/Berlin');
    expect(exdate.getFirstValue()!.toString()).toBe('2026-03-16T09:00:00');
    expect(event!.component.getFirstPropertyValue('organizer')).toBe('mailto:olga@example.org');
    expect(
      event!.attendees.map((attendee) => [
        String(attendee.getFirstValue()).toLowerCase(),
        attendee.getParameter('partstat'),
        attendee.getParameter('role'),
      ]),
    ).toEqual([
      ['mailto:olga@example.org', 'ACCEPTED', 'REQ-PARTICIPANT'],
      ['mailto:bea@example.org', 'NEEDS-ACTION', 'REQ-PARTICIPANT'],
      ['mailto:guest@example.com', 'TENTATIVE', 'OPT-PARTICIPANT'],
    ]);
    // The words are on the recipient's clock (Kolkata), the invitation on the meeting's.
    expect(mail.subject).toBe('Invitation: Sprint planning, Monday 2 March 2026, 13:30');
    expect(mail.text).toContain('Olga Organizer invites you to Sprint planning.');
    expect(mail.text).toContain('every week on Monday, 10 times');
  });

  it('moves one occurrence with a REQUEST naming it by RECURRENCE-ID, at a higher SEQUENCE', () => {
    const moved = apply(
      'updated',
      organizerUpdates(series, {
        sequence: 1,
        scope: 'this',
        changed: ['start', 'end'],
        timeChanged: true,
        occurrence: {
          originalStart: '2026-03-09T08:00:00Z',
          start: '2026-03-09T12:00:00Z',
          end: '2026-03-09T13:00:00Z',
        },
      }),
      invitation.meeting,
    );
    const { calendar, events, text } = mailFor(moved.notices[0]!);
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(events).toHaveLength(1);
    expect(events[0]!.uid).toBe(`${meetingId}@roomledger`);
    expect(events[0]!.sequence).toBe(1);
    expect(events[0]!.recurrenceId.toString()).toBe('2026-03-09T09:00:00');
    expect(text).toMatch(/\r\nDTSTART;TZID=Europe\/Berlin:20260309T130000\r\n/);
  });

  it('cancels one occurrence with METHOD:CANCEL and its RECURRENCE-ID, and the whole meeting without', () => {
    const one = apply(
      'cancelled',
      organizerCancels(series, {
        sequence: 2,
        scope: 'this',
        originalStart: '2026-03-23T08:00:00Z',
        start: '2026-03-23T08:00:00Z',
        end: '2026-03-23T09:00:00Z',
      }),
      invitation.meeting,
    );
    const occurrence = mailFor(one.notices[0]!);
    expect(occurrence.calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(occurrence.events[0]!.recurrenceId.toString()).toBe('2026-03-23T09:00:00');
    expect(occurrence.events[0]!.component.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(occurrence.events[0]!.sequence).toBe(2);

    const all = apply('cancelled', organizerCancels(series, { sequence: 3, scope: 'all' }), one.meeting);
    const whole = mailFor(all.notices[0]!);
    expect(whole.calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(whole.events[0]!.uid).toBe(`${meetingId}@roomledger`);
    expect(whole.events[0]!.sequence).toBe(3);
    expect(whole.events[0]!.recurrenceId).toBeFalsy();
    expect(whole.mail.subject).toMatch(/^Meeting cancelled: Sprint planning/);
  });

  it('ends the series with a REQUEST carrying UNTIL when the rest of it is cancelled', () => {
    const rest = apply(
      'cancelled',
      organizerCancels(series, {
        sequence: 2,
        scope: 'following',
        originalStart: '2026-03-23T08:00:00Z',
        until: '2026-03-23T07:59:59Z',
      }),
      invitation.meeting,
    );
    const { calendar, events } = mailFor(rest.notices[0]!);
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    const rule = events[0]!.component.getFirstPropertyValue('rrule') as ICAL.Recur;
    expect(rule.until?.toJSDate().toISOString()).toBe('2026-03-23T07:59:59.000Z');
    expect(rule.count).toBeFalsy();
    expect(events[0]!.sequence).toBe(2);
  });

  it('mails a guest by address, on the meeting clock, and the organizer an answer without a calendar', () => {
    const guest: Recipient = {
      ...bea,
      userId: 'guest:x',
      email: 'guest@example.com',
      name: 'guest@example.com',
      timeZone: 'Europe/Berlin',
    };
    const { mail, events } = mailFor(invitation.notices[0]!, guest);
    expect(mail.to.address).toBe('guest@example.com');
    expect(mail.subject).toBe('Invitation: Sprint planning, Monday 2 March 2026, 09:00');
    expect(events[0]!.attendees.map((attendee) => String(attendee.getFirstValue()).toLowerCase())).toContain(
      'mailto:guest@example.com',
    );

    const answer = apply(
      'invitation-responded',
      {
        meetingId,
        attendee: { userId: beaId },
        response: 'tentative',
        proposal: { start: '2026-03-02T10:00:00Z', end: '2026-03-02T11:00:00Z' },
      },
      invitation.meeting,
    );
    const olga: Recipient = {
      ...bea,
      userId: organizerId,
      email: 'olga@example.org',
      name: 'Olga',
      timeZone: 'Europe/Berlin',
    };
    const toOrganizer = composeEmail(answer.notices[0]!, olga, people);
    expect(toOrganizer.invite).toBeUndefined();
    expect(toOrganizer.subject).toBe('Bea Beispiel tentatively accepted: Sprint planning');
    expect(toOrganizer.text).toContain('Monday 2 March 2026, 11:00–12:00 (Europe/Berlin, CET)');
  });
});
