// Specs may use the shared test helpers; the domain code itself may not (see README).
import { DeciderSpecification } from '@roomledger/testing';
import {
  AlreadyExists,
  Forbidden,
  HoldAlreadyExpired,
  InvalidBookingState,
  NotFound,
  RoomNotKnown,
  RoomRetired,
  SlotTaken,
  ValidationFailed,
  VersionMismatch,
} from './errors';
import { roomSchedule } from './room-schedule';
import {
  ada,
  at,
  bob,
  bookDirectly,
  bookingCancelled,
  bookingConfirmed,
  cancelBooking,
  confirmBooking,
  expireHold,
  holdExpired,
  holdPlaced,
  placeHold,
  policy,
  policyApplied,
} from './room-schedule.fixtures';

const given = DeciderSpecification.for(roomSchedule);

describe('RoomSchedule: holds, confirmations and direct bookings', () => {
  describe('When the room has no policy yet', () => {
    it('refuses a hold, since rooms are known only from room events', () => {
      given([])
        .when(placeHold())
        .thenThrows(RoomNotKnown, (error) => error.code === 'room_unknown');
    });

    it('refuses a direct booking', () => {
      given([]).when(bookDirectly()).thenThrows(RoomNotKnown);
    });

    it('refuses a confirmation', () => {
      given([]).when(confirmBooking()).thenThrows(RoomNotKnown);
    });
  });

  describe('When the slot is free', () => {
    it('places a hold that expires ttlSeconds after now', () => {
      given([open])
        .when(placeHold({ ttlSeconds: 600 }))
        .then([holdPlaced({ expiresAt: at('08:10') })]);
    });

    it('records the meeting the hold is for', () => {
      given([open])
        .when(placeHold({ meetingId: 'meeting-7' }))
        .then([holdPlaced({ meetingId: 'meeting-7' })]);
    });

    it('writes instants in UTC whatever offset the request used', () => {
      given([open])
        .when(placeHold({ start: '2026-03-02T11:00:00+01:00', end: '2026-03-02T12:00:00+01:00' }))
        .then([holdPlaced()]);
    });

    it('books directly with one BookingConfirmed carrying the whole booking', () => {
      given([open]).when(bookDirectly()).then([bookingConfirmed()]);
    });

    it('lets an admin book on behalf of someone else', () => {
      given([open])
        .when(bookDirectly({ organizerId: 'bob', by: ada }))
        .then([bookingConfirmed({ organizerId: 'bob' })]);
    });

    it('lets an admin hold on behalf of someone else, the admin being the holder', () => {
      given([open])
        .when(placeHold({ organizerId: 'bob', by: ada }))
        .then([holdPlaced({ organizerId: 'bob', heldBy: 'ada' })]);
    });

    it('refuses a booking on behalf of someone else by a non-admin', () => {
      given([open])
        .when(bookDirectly({ organizerId: 'bob' }))
        .thenThrows(Forbidden);
    });

    it('refuses an interval that ends before it starts', () => {
      given([open])
        .when(placeHold({ start: at('11:00'), end: at('10:00') }))
        .thenThrows(ValidationFailed, (error) => error.field === 'end');
    });

    it('refuses an empty interval', () => {
      given([open])
        .when(placeHold({ start: at('10:00'), end: at('10:00') }))
        .thenThrows(ValidationFailed);
    });

    it('refuses an interval longer than a year and a day, whose checks would cost everyone time', () => {
      given([open])
        .when(placeHold({ start: at('10:00'), end: '2451-06-28T22:53:46Z' }))
        .thenThrows(ValidationFailed, (error) => error.field === 'end');
    });

    it('refuses a title with a control character (a NUL cannot even be stored)', () => {
      given([open])
        .when(placeHold({ title: 'a\u0000b' }))
        .thenThrows(ValidationFailed, (error) => error.field === 'title');
    });

    it('refuses a time without an offset', () => {
      given([open])
        .when(placeHold({ start: '2026-03-02T10:00:00' }))
        .thenThrows(ValidationFailed, (error) => error.field === 'start');
    });

    it('refuses a ttl that is not a positive number of seconds', () => {
      given([open])
        .when(placeHold({ ttlSeconds: 0 }))
        .thenThrows(ValidationFailed);
    });

    it('refuses a booking id already used in this room', () => {
      given([open, holdPlaced()])
        .when(bookDirectly({ start: at('14:00'), end: at('15:00') }))
        .thenThrows(AlreadyExists);
    });
  });

  describe('When the slot is held', () => {
    it('refuses an overlapping hold with the interval in the way', () => {
      given([open, holdPlaced()])
        .when(placeHold({ bookingId: 'b2', start: at('10:30'), end: at('11:30'), by: bob }))
        .thenThrows(SlotTaken, (error) => {
          expect(error.conflicts).toEqual([{ start: at('10:00'), end: at('11:00') }]);
        });
    });

    it('refuses an overlapping direct booking', () => {
      given([open, holdPlaced()])
        .when(bookDirectly({ bookingId: 'b2', start: at('09:00'), end: at('10:01'), by: bob }))
        .thenThrows(SlotTaken);
    });

    it('accepts a booking that starts when the hold ends (intervals are half-open)', () => {
      given([open, holdPlaced()])
        .when(bookDirectly({ bookingId: 'b2', start: at('11:00'), end: at('12:00'), by: bob }))
        .then([
          bookingConfirmed({ bookingId: 'b2', start: at('11:00'), end: at('12:00'), organizerId: 'bob' }),
        ]);
    });

    it('lets the holder confirm, repeating the whole booking at its next version', () => {
      given([open, holdPlaced({ meetingId: 'meeting-7' })])
        .when(confirmBooking({ at: at('08:04') }))
        .then([bookingConfirmed({ version: 2, meetingId: 'meeting-7', occurredAt: at('08:04') })]);
    });

    it('refuses confirmation by anyone but the holder', () => {
      given([open, holdPlaced()])
        .when(confirmBooking({ by: bob }))
        .thenThrows(Forbidden);
    });

    it('refuses confirmation even by an admin who is not the holder', () => {
      given([open, holdPlaced()])
        .when(confirmBooking({ by: ada }))
        .thenThrows(Forbidden);
    });

    it('confirms when If-Match carries the hold version', () => {
      given([open, holdPlaced()])
        .when(confirmBooking({ expectedVersion: 1 }))
        .then([bookingConfirmed({ version: 2 })]);
    });

    it('refuses confirmation when If-Match carries another version', () => {
      given([open, holdPlaced()])
        .when(confirmBooking({ expectedVersion: 3 }))
        .thenThrows(VersionMismatch, (error) => error.actualVersion === 1);
    });

    it('refuses confirmation of a booking it does not know', () => {
      given([open, holdPlaced()])
        .when(confirmBooking({ bookingId: 'nope' }))
        .thenThrows(NotFound);
    });

    it('does not confirm in a room retired meanwhile', () => {
      given([open, holdPlaced(), policyApplied(policy({ retired: true }), at('08:01'))])
        .when(confirmBooking({ at: at('08:02') }))
        .thenThrows(RoomRetired);
    });

    it('does not expire the hold before expiresAt', () => {
      given([open, holdPlaced()])
        .when(expireHold({ at: at('08:04') }))
        .thenNothingHappened();
    });
  });

  describe('When the hold has expired but HoldExpired is not written yet', () => {
    it('no longer blocks the slot', () => {
      given([open, holdPlaced()])
        .when(placeHold({ bookingId: 'b2', by: bob, at: at('08:05') }))
        .then([
          holdPlaced({
            bookingId: 'b2',
            organizerId: 'bob',
            occurredAt: at('08:05'),
            expiresAt: at('08:10'),
          }),
        ]);
    });

    it('cannot be confirmed at expiresAt exactly, so expiry and confirmation never both win', () => {
      given([open, holdPlaced()])
        .when(confirmBooking({ at: at('08:05') }))
        .thenThrows(
          HoldAlreadyExpired,
          (error) => error.code === 'hold_expired' && error.expiresAt === at('08:05'),
        );
    });

    it('is expired by ExpireHold', () => {
      given([open, holdPlaced()])
        .when(expireHold({ at: at('08:06') }))
        .then([holdExpired({ occurredAt: at('08:06') })]);
    });
  });

  describe('When the hold is already settled', () => {
    it('does nothing on a repeated ExpireHold', () => {
      given([open, holdPlaced(), holdExpired()])
        .when(expireHold({ at: at('08:10') }))
        .thenNothingHappened();
    });

    it('does not expire a confirmed booking', () => {
      given([open, holdPlaced(), bookingConfirmed({ version: 2 })])
        .when(expireHold({ at: at('08:10') }))
        .thenNothingHappened();
    });

    it('does not expire a cancelled hold', () => {
      given([open, holdPlaced(), bookingCancelled({ previousStatus: 'held' })])
        .when(expireHold({ at: at('08:10') }))
        .thenNothingHappened();
    });

    it('does nothing for a hold it does not know, or in a room it does not know', () => {
      given([open])
        .when(expireHold({ bookingId: 'nope' }))
        .thenNothingHappened();
      given([]).when(expireHold()).thenNothingHappened();
    });

    it('refuses to confirm an expired hold', () => {
      given([open, holdPlaced(), holdExpired()])
        .when(confirmBooking({ at: at('08:10') }))
        .thenThrows(HoldAlreadyExpired);
    });

    it('refuses to confirm a cancelled hold', () => {
      given([open, holdPlaced(), bookingCancelled({ previousStatus: 'held' })])
        .when(confirmBooking())
        .thenThrows(
          InvalidBookingState,
          (error) => error.code === 'invalid_booking_state' && error.status === 'cancelled',
        );
    });

    it('answers a repeated confirmation with nothing', () => {
      given([open, holdPlaced(), bookingConfirmed({ version: 2 })])
        .when(confirmBooking())
        .thenNothingHappened();
    });

    it('frees the slot once the hold was cancelled', () => {
      given([open, holdPlaced(), bookingCancelled({ previousStatus: 'held' })])
        .when(bookDirectly({ bookingId: 'b2', by: bob }))
        .then([bookingConfirmed({ bookingId: 'b2', organizerId: 'bob' })]);
    });
  });

  describe('When cancelling a hold', () => {
    it('releases it as a cancelled hold', () => {
      given([open, holdPlaced()])
        .when(cancelBooking({ reason: 'changed my mind' }))
        .then([bookingCancelled({ previousStatus: 'held', reason: 'changed my mind' })]);
    });
  });
});

// Fixtures
const open = policyApplied();
