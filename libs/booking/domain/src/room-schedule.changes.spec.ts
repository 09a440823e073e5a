// Specs may use the shared test helpers; the domain code itself may not (see README).
import { DeciderSpecification } from '@roomledger/testing';
import {
  Forbidden,
  InvalidBookingState,
  NotFound,
  OutsideOpeningHours,
  RoomRetired,
  SlotTaken,
  TooLong,
  TooShort,
  TooSoon,
  UnderMaintenance,
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
  bookingRescheduled,
  cancelBooking,
  holdExpired,
  holdPlaced,
  maintenancePlaced,
  policy,
  policyApplied,
  rescheduleBooking,
} from './room-schedule.fixtures';

const given = DeciderSpecification.for(roomSchedule);

describe('RoomSchedule: cancelling and rescheduling', () => {
  describe('When a confirmed booking is cancelled', () => {
    it('lets the organizer cancel, with a reason', () => {
      given([open, booked])
        .when(cancelBooking({ reason: 'no longer needed' }))
        .then([bookingCancelled({ reason: 'no longer needed' })]);
    });

    it('lets an admin cancel anyone’s booking', () => {
      given([open, booked])
        .when(cancelBooking({ by: ada }))
        .then([bookingCancelled({ cancelledBy: 'ada' })]);
    });

    it('refuses anyone else', () => {
      given([open, booked])
        .when(cancelBooking({ by: bob }))
        .thenThrows(Forbidden);
    });

    it('refuses a stale If-Match', () => {
      given([open, booked, bookingRescheduled({ start: at('12:00'), end: at('13:00') })])
        .when(cancelBooking({ expectedVersion: 1 }))
        .thenThrows(
          VersionMismatch,
          (error) => error.code === 'version_mismatch' && error.actualVersion === 2,
        );
    });

    it('cancels with the current If-Match', () => {
      given([open, booked, bookingRescheduled({ start: at('12:00'), end: at('13:00') })])
        .when(cancelBooking({ expectedVersion: 2 }))
        .then([bookingCancelled({ version: 3, start: at('12:00'), end: at('13:00') })]);
    });

    it('answers a repeated cancellation with nothing', () => {
      given([open, booked, bookingCancelled()]).when(cancelBooking()).thenNothingHappened();
    });

    it('lets an ongoing booking be cancelled', () => {
      given([open, booked])
        .when(cancelBooking({ at: at('10:30') }))
        .then([bookingCancelled({ occurredAt: at('10:30') })]);
    });

    it('refuses to cancel a booking that has ended', () => {
      given([open, booked])
        .when(cancelBooking({ at: at('11:00') }))
        .thenThrows(InvalidBookingState);
    });

    it('refuses a booking it does not know', () => {
      given([open, booked])
        .when(cancelBooking({ bookingId: 'nope' }))
        .thenThrows(NotFound);
    });

    it('still cancels in a retired room', () => {
      given([open, booked, policyApplied(policy({ retired: true }), at('08:00'))])
        .when(cancelBooking())
        .then([bookingCancelled()]);
    });
  });

  describe('When a hold is cancelled after it expired', () => {
    it('does nothing, whether or not HoldExpired was written', () => {
      given([open, holdPlaced()])
        .when(cancelBooking({ at: at('08:05') }))
        .thenNothingHappened();
      given([open, holdPlaced(), holdExpired()])
        .when(cancelBooking({ at: at('08:06') }))
        .thenNothingHappened();
    });
  });

  describe('When a booking is rescheduled', () => {
    it('moves into free time, recording the previous interval', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('14:00'), end: at('15:00') }))
        .then([bookingRescheduled({ start: at('14:00'), end: at('15:00') })]);
    });

    it('extends over its own time: a booking does not conflict with itself', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('10:00'), end: at('12:00') }))
        .then([bookingRescheduled({ end: at('12:00') })]);
    });

    it('shifts by half an hour over its own time', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('10:30'), end: at('11:30') }))
        .then([bookingRescheduled({ start: at('10:30'), end: at('11:30') })]);
    });

    it('refuses to move into another booking', () => {
      given([open, booked, other])
        .when(rescheduleBooking({ start: at('12:30'), end: at('13:30') }))
        .thenThrows(SlotTaken, (error) => {
          expect(error.conflicts).toEqual([{ start: at('13:00'), end: at('14:00') }]);
        });
    });

    it('refuses to extend into another booking', () => {
      given([open, booked, other])
        .when(rescheduleBooking({ start: at('10:00'), end: at('13:01') }))
        .thenThrows(SlotTaken);
    });

    it('refuses to move into a maintenance block', () => {
      given([open, booked, maintenancePlaced({ start: at('15:00'), end: at('16:00') })])
        .when(rescheduleBooking({ start: at('15:30'), end: at('16:30') }))
        .thenThrows(UnderMaintenance);
    });

    it('applies opening hours to the new interval', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('19:30'), end: at('20:30') }))
        .thenThrows(OutsideOpeningHours);
    });

    it('applies the maximum duration to an extension', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('10:00'), end: at('18:01') }))
        .thenThrows(TooLong);
    });

    it('applies minimum notice to a moved start', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('08:10'), end: at('09:00') }))
        .thenThrows(TooSoon);
    });

    it('shortens a future booking', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('10:00'), end: at('10:30') }))
        .then([bookingRescheduled({ end: at('10:30') })]);
    });

    it('refuses to shorten a future booking below the minimum duration', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('10:00'), end: at('10:10') }))
        .thenThrows(TooShort);
    });

    it('ends an ongoing booking early, even below the minimum duration', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('10:00'), end: at('10:05'), at: at('10:05') }))
        .then([bookingRescheduled({ end: at('10:05'), occurredAt: at('10:05') })]);
    });

    it('extends an ongoing booking although its start is past', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('10:00'), end: at('11:30'), at: at('10:45') }))
        .then([bookingRescheduled({ end: at('11:30'), occurredAt: at('10:45') })]);
    });

    it('refuses an end in the past', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('10:00'), end: at('10:20'), at: at('10:30') }))
        .thenThrows(ValidationFailed);
    });

    it('refuses a booking that has ended', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('10:00'), end: at('12:00'), at: at('11:00') }))
        .thenThrows(InvalidBookingState);
    });

    it('refuses a hold: only confirmed bookings move', () => {
      given([open, holdPlaced()])
        .when(rescheduleBooking({ start: at('14:00'), end: at('15:00') }))
        .thenThrows(InvalidBookingState, (error) => error.status === 'held');
    });

    it('refuses a cancelled booking', () => {
      given([open, booked, bookingCancelled()])
        .when(rescheduleBooking({ start: at('14:00'), end: at('15:00') }))
        .thenThrows(InvalidBookingState);
    });

    it('lets an admin reschedule, but no one else', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('14:00'), end: at('15:00'), by: ada }))
        .then([bookingRescheduled({ start: at('14:00'), end: at('15:00'), rescheduledBy: 'ada' })]);
      given([open, booked])
        .when(rescheduleBooking({ start: at('14:00'), end: at('15:00'), by: bob }))
        .thenThrows(Forbidden);
    });

    it('refuses a stale If-Match', () => {
      given([open, booked])
        .when(rescheduleBooking({ start: at('14:00'), end: at('15:00'), expectedVersion: 2 }))
        .thenThrows(VersionMismatch);
    });

    it('answers a reschedule to the same interval with nothing', () => {
      given([open, booked]).when(rescheduleBooking()).thenNothingHappened();
    });

    it('refuses in a retired room', () => {
      given([open, booked, policyApplied(policy({ retired: true }), at('08:00'))])
        .when(rescheduleBooking({ start: at('14:00'), end: at('15:00') }))
        .thenThrows(RoomRetired);
    });

    it('frees its previous time for others', () => {
      given([open, booked, bookingRescheduled({ start: at('14:00'), end: at('15:00') })])
        .when(bookDirectly({ bookingId: 'b3', by: bob }))
        .then([bookingConfirmed({ bookingId: 'b3', organizerId: 'bob' })]);
    });
  });
});

// Fixtures
const open = policyApplied();
const booked = bookingConfirmed();
const other = bookingConfirmed({ bookingId: 'b2', start: at('13:00'), end: at('14:00'), organizerId: 'bob' });
