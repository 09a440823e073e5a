import { composeEmail, localInterval, type Notice, type Recipient } from './index';

describe('The e-mail about a notice', () => {
  const ada: Recipient = {
    userId: 'u-ada',
    version: 3,
    email: 'ada@example.org',
    name: 'Ada <Lovelace>',
    timeZone: 'Asia/Kolkata',
    channels: ['email'],
    deactivated: false,
  };
  const base = {
    eventId: 'e-1',
    eventType: 'roomledger.booking.confirmed.v1',
    subject: 'b-1',
    occurredAt: '2030-06-30T08:00:00.000Z',
    audience: ['u-ada'],
    booking: {
      bookingId: 'b-1',
      roomId: 'spree-3.12',
      organizerId: 'u-ada',
      start: '2030-07-01T14:00:00.000Z',
      end: '2030-07-01T15:00:00.000Z',
      title: 'Planning & <review>',
      version: 4,
    },
  };
  const confirmed: Notice = { ...base, kind: 'booking-confirmed' };

  describe('When it is a confirmation', () => {
    const mail = composeEmail(confirmed, ada);

    it('shows the times on the recipient’s clock, never in UTC', () => {
      expect(mail.text).toContain('Monday 1 July 2030, 19:30–20:30 (Asia/Kolkata, GMT+5:30)');
      expect(mail.subject).toBe('Booking confirmed: Planning & <review>, Monday 1 July 2030, 19:30');
      expect(mail.html).toContain('19:30–20:30');
      expect(mail.text).not.toContain('14:00');
    });

    it('is addressed to the recipient, with plain text and HTML saying the same, the HTML escaped', () => {
      expect(mail.to).toEqual({ name: 'Ada <Lovelace>', address: 'ada@example.org' });
      expect(mail.text).toContain('Hello Ada <Lovelace>,');
      expect(mail.html).toContain('Hello Ada &lt;Lovelace&gt;,');
      expect(mail.html).toContain('Planning &amp; &lt;review&gt;');
      expect(mail.html).not.toContain('<review>');
    });

    it('carries a REQUEST for the calendar: UID from the booking, SEQUENCE its version, times in UTC', () => {
      expect(mail.invite).toEqual({
        method: 'REQUEST',
        status: 'CONFIRMED',
        uid: 'b-1@roomledger',
        sequence: 4,
        start: '2030-07-01T14:00:00.000Z',
        end: '2030-07-01T15:00:00.000Z',
        stamp: '2030-06-30T08:00:00.000Z',
        summary: 'Planning & <review>',
        location: 'Room spree-3.12',
        attendee: { name: 'Ada <Lovelace>', email: 'ada@example.org' },
      });
    });
  });

  it('updates the calendar entry when the booking moved, and says where it was', () => {
    const mail = composeEmail(
      {
        ...base,
        kind: 'booking-rescheduled',
        previous: { start: '2030-07-01T13:00:00.000Z', end: '2030-07-01T14:00:00.000Z' },
        booking: { ...base.booking, version: 5 },
      },
      { ...ada, timeZone: 'America/New_York' },
    );
    expect(mail.subject).toBe('Booking changed: Planning & <review>, now Monday 1 July 2030, 10:00');
    expect(mail.text).toMatch(/When: +Monday 1 July 2030, 10:00–11:00 \(America\/New_York, GMT-4\)/);
    expect(mail.text).toMatch(/Before: +Monday 1 July 2030, 09:00–10:00/);
    expect(mail.invite).toMatchObject({ method: 'REQUEST', uid: 'b-1@roomledger', sequence: 5 });
  });

  it('cancels the calendar entry of a confirmed booking, and gives the reason', () => {
    const mail = composeEmail(
      {
        ...base,
        kind: 'booking-cancelled',
        wasConfirmed: true,
        reason: 'maintenance',
        booking: { ...base.booking, version: 6 },
      },
      ada,
    );
    expect(mail.text).toContain(
      'Your booking of room spree-3.12 was cancelled: the room is closed for maintenance.',
    );
    expect(mail.invite).toMatchObject({
      method: 'CANCEL',
      status: 'CANCELLED',
      uid: 'b-1@roomledger',
      sequence: 6,
    });
  });

  it('sends no calendar object for a hold cancelled or expired: no invitation was ever sent for it', () => {
    const cancelledHold = composeEmail({ ...base, kind: 'booking-cancelled', wasConfirmed: false }, ada);
    expect(cancelledHold.text).toContain('Your hold of room spree-3.12 was cancelled.');
    expect(cancelledHold.invite).toBeUndefined();
    const expired = composeEmail(
      { ...base, kind: 'hold-expired', expiresAt: '2030-06-30T08:05:00.000Z' },
      ada,
    );
    expect(expired.subject).toMatch(/^Hold expired: /);
    expect(expired.text).toContain('expired at Sunday 30 June 2030, 13:35 before it was confirmed');
    expect(expired.invite).toBeUndefined();
  });

  it('names the room when the booking has no title', () => {
    const { title: _, ...untitled } = base.booking;
    expect(composeEmail({ ...base, kind: 'booking-confirmed', booking: untitled }, ada).subject).toMatch(
      /^Booking confirmed: Room spree-3\.12, /,
    );
  });
});

describe('Local times', () => {
  it('follow the zone’s daylight saving time', () => {
    expect(localInterval('2030-01-15T09:00:00Z', '2030-01-15T10:00:00Z', 'Europe/Berlin')).toBe(
      'Tuesday 15 January 2030, 10:00–11:00 (Europe/Berlin, CET)',
    );
    expect(localInterval('2030-07-15T09:00:00Z', '2030-07-15T10:00:00Z', 'Europe/Berlin')).toBe(
      'Monday 15 July 2030, 11:00–12:00 (Europe/Berlin, CEST)',
    );
  });

  it('name both days of an interval that crosses local midnight', () => {
    expect(localInterval('2030-07-15T22:30:00Z', '2030-07-16T00:30:00Z', 'Europe/London')).toBe(
      'Monday 15 July 2030, 23:30 – Tuesday 16 July 2030, 01:30 (Europe/London, BST)',
    );
  });

  it('fall back to UTC for a zone Intl does not know', () => {
    expect(localInterval('2030-07-15T09:00:00Z', '2030-07-15T10:00:00Z', 'Mars/Olympus_Mons')).toBe(
      'Monday 15 July 2030, 09:00–10:00 (UTC, UTC)',
    );
  });
});
