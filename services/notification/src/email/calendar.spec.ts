import ICAL from 'ical.js';
import type { CalendarInvite } from '../domain';
import { renderInvite } from './calendar';

/** Written with ical-generator, read back with ical.js: a second implementation of RFC 5545 agrees. */
describe('A calendar invite as iCalendar', () => {
  const invite: CalendarInvite = {
    method: 'REQUEST',
    status: 'CONFIRMED',
    uid: '0f8fad5b-d9cb-469f-a165-70867728950e@roomledger',
    sequence: 3,
    start: '2030-07-01T14:00:00.000Z',
    end: '2030-07-01T15:30:00.000Z',
    stamp: '2030-06-30T08:00:00.000Z',
    summary: 'Planning; review, and more',
    location: 'Room spree-3.12',
    attendee: { name: 'Ada Lovelace', email: 'ada@example.org' },
  };
  const parse = (text: string) => {
    const calendar = new ICAL.Component(ICAL.parse(text));
    return { calendar, event: new ICAL.Event(calendar.getFirstSubcomponent('vevent')!) };
  };

  it('carries the method, the UID, the SEQUENCE and the times in UTC', () => {
    const text = renderInvite(invite, { name: 'roomledger', email: 'no-reply@roomledger.local' });
    const { calendar, event } = parse(text);
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(event.uid).toBe(invite.uid);
    expect(event.sequence).toBe(3);
    expect(event.startDate.zone?.tzid).toBe('UTC');
    expect(event.startDate.toJSDate().toISOString()).toBe(invite.start);
    expect(event.endDate.toJSDate().toISOString()).toBe(invite.end);
    expect(event.summary).toBe(invite.summary);
    expect(event.location).toBe(invite.location);
    expect(text).toMatch(/\r\nDTSTART:20300701T140000Z\r\n/);
    const organizer = event.component.getFirstProperty('organizer')!;
    expect(organizer.getFirstValue()).toBe('mailto:no-reply@roomledger.local');
    const attendee = event.attendees[0];
    expect(String(attendee.getFirstValue()).toLowerCase()).toBe('mailto:ada@example.org');
    expect(attendee.getParameter('partstat')).toBe('ACCEPTED');
  });

  it('cancels with METHOD:CANCEL and STATUS:CANCELLED on the same UID', () => {
    const { calendar, event } = parse(
      renderInvite(
        { ...invite, method: 'CANCEL', status: 'CANCELLED', sequence: 4 },
        { name: '', email: 'n@r.local' },
      ),
    );
    expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(event.component.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(event.uid).toBe(invite.uid);
    expect(event.sequence).toBe(4);
  });
});
