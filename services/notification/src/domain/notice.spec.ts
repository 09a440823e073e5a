import { bookingPayload, type BookingState } from '../testing/feed-messages.fixtures';
import { bookingNotice, ContractViolation, type ConsumedEvent } from './index';

describe('Notices from the booking feed', () => {
  const booking: BookingState = {
    bookingId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    roomId: 'spree-3.12',
    organizerId: '9b2d7c1a-3f4e-4b6a-8c1d-2e3f4a5b6c7d',
    start: '2026-03-02T09:00:00Z',
    end: '2026-03-02T10:00:00Z',
    title: 'Sprint planning',
    version: 1,
    streamRevision: 41,
    occurredAt: '2026-03-02T08:15:00Z',
  };
  const event = (name: string, data: unknown): ConsumedEvent => ({
    id: 'e-1',
    type: `roomledger.booking.${name}.v1`,
    subject: booking.bookingId,
    data,
  });

  it('tells the organizer about a confirmation, with the booking as it is after the event', () => {
    expect(bookingNotice(event('confirmed', bookingPayload('confirmed', booking)))).toEqual({
      kind: 'booking-confirmed',
      eventId: 'e-1',
      eventType: 'roomledger.booking.confirmed.v1',
      subject: booking.bookingId,
      occurredAt: '2026-03-02T08:15:00.000Z',
      audience: [booking.organizerId],
      booking: {
        bookingId: booking.bookingId,
        roomId: 'spree-3.12',
        organizerId: booking.organizerId,
        start: '2026-03-02T09:00:00.000Z',
        end: '2026-03-02T10:00:00.000Z',
        title: 'Sprint planning',
        version: 1,
      },
    });
  });

  it('tells of a confirmed booking moved, with where it was', () => {
    const moved = { ...booking, start: '2026-03-02T10:00:00Z', end: '2026-03-02T11:00:00Z', version: 2 };
    const payload = bookingPayload('rescheduled', moved, {
      previous: { start: booking.start, end: booking.end },
      rescheduledBy: booking.organizerId,
    });
    expect(bookingNotice(event('rescheduled', payload))).toMatchObject({
      kind: 'booking-rescheduled',
      booking: { start: '2026-03-02T10:00:00.000Z', version: 2 },
      previous: { start: '2026-03-02T09:00:00.000Z', end: '2026-03-02T10:00:00.000Z' },
    });
  });

  it('says whether a cancelled booking had been confirmed, and why it was cancelled', () => {
    const payload = bookingPayload(
      'cancelled',
      { ...booking, version: 2 },
      {
        cancelledBy: 'facility',
        previousStatus: 'confirmed',
        reason: 'maintenance',
      },
    );
    expect(bookingNotice(event('cancelled', payload))).toMatchObject({
      kind: 'booking-cancelled',
      wasConfirmed: true,
      reason: 'maintenance',
    });
    const hold = bookingPayload('cancelled', booking, {
      cancelledBy: booking.organizerId,
      previousStatus: 'held',
    });
    expect(bookingNotice(event('cancelled', hold))).toMatchObject({ wasConfirmed: false });
  });

  it('tells of a hold that expired', () => {
    const payload = bookingPayload(
      'expired',
      { ...booking, version: 2 },
      { expiresAt: '2026-03-02T08:20:00Z' },
    );
    expect(bookingNotice(event('expired', payload))).toMatchObject({
      kind: 'hold-expired',
      expiresAt: '2026-03-02T08:20:00.000Z',
    });
  });

  it('finds no news in a hold placed or moved, or in maintenance (its cancellations come as their own events)', () => {
    const held = bookingPayload('held', booking, {
      expiresAt: '2026-03-02T08:20:00Z',
      heldBy: booking.organizerId,
    });
    expect(bookingNotice(event('held', held))).toBeNull();
    const movedHold = { ...held, status: 'held', previous: { start: booking.start, end: booking.end } };
    expect(bookingNotice(event('rescheduled', movedHold))).toBeNull();
    expect(bookingNotice(event('maintenance-blocked', { blockId: 'm' }))).toBeNull();
    expect(bookingNotice({ ...event('confirmed', {}), type: 'roomledger.booking.confirmed.v2' })).toBeNull();
  });

  it('refuses a payload that breaks the contract, naming what is wrong', () => {
    const { bookingId: _, ...withoutId } = bookingPayload('confirmed', booking);
    expect(() => bookingNotice(event('confirmed', withoutId))).toThrow(
      new ContractViolation('roomledger.booking.confirmed.v1: bookingId must be a non-empty string'),
    );
    const backwards = { ...bookingPayload('confirmed', booking), end: booking.start };
    expect(() => bookingNotice(event('confirmed', backwards))).toThrow(/end must be after start/);
    expect(() => bookingNotice(event('confirmed', { ...backwards, start: 'tomorrow' }))).toThrow(
      /start must be an RFC 3339/,
    );
    expect(() => bookingNotice(event('confirmed', 'a string'))).toThrow(/not a JSON object/);
  });
});
