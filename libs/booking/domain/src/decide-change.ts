import { InvalidBookingState, ValidationFailed } from './errors';
import { msOf } from './instants';
import type { CancelBooking, RescheduleBooking } from './room-schedule.commands';
import type { BookingCancelled, BookingRescheduled } from './room-schedule.events';
import {
  checkPlacement,
  contextOf,
  intervalOf,
  optional,
  requireBooking,
  requireKnownRoom,
  requireOpenRoom,
  requireOrganizerOrAdmin,
  requirePlainText,
  requireSlot,
  requireVersion,
  spanOf,
} from './room-schedule.rules';
import type { RoomScheduleState } from './room-schedule.state';
import { checkSlotPolicy } from './room-policy';

/** Changing a booking that exists: cancel it, or move, extend, shorten or end it early. */

export const cancelBooking = (command: CancelBooking, state: RoomScheduleState): BookingCancelled[] => {
  const { now, actor, occurredAt } = contextOf(command.metadata);
  const room = requireKnownRoom(state);
  const booking = requireBooking(room, command.data.bookingId, now);
  requireOrganizerOrAdmin(actor, booking, 'cancel a booking');
  requireVersion(booking, command.data.expectedVersion);
  if (booking.status === 'cancelled' || booking.status === 'expired') return [];
  // A hold past its expiry is already released; its HoldExpired will say so.
  if (booking.status === 'held' && msOf(booking.expiresAt) <= now) return [];
  if (booking.status === 'confirmed' && msOf(booking.end) <= now)
    throw new InvalidBookingState(
      booking.bookingId,
      booking.status,
      'a booking that has ended cannot be cancelled',
    );
  const { bookingId, start, end, organizerId, version, status } = booking;
  return [
    {
      type: 'BookingCancelled',
      data: {
        roomId: room.roomId,
        bookingId,
        start,
        end,
        organizerId,
        version: version + 1,
        previousStatus: status,
        cancelledBy: actor.userId,
        ...optional('reason', command.data.reason && requirePlainText(command.data.reason, 'reason')),
        occurredAt,
      },
    },
  ];
};

/**
 * A new interval in the same room. Moving or growing is checked like a new booking (the booking
 * does not conflict with itself). Shrinking (neither end moves outward) cannot take anything from
 * anyone, so only the duration and, if the start moves, notice and window apply. An ongoing booking
 * whose start stays may end early below the minimum duration, but not in the past.
 */
export const rescheduleBooking = (
  command: RescheduleBooking,
  state: RoomScheduleState,
): BookingRescheduled[] => {
  const { now, actor, occurredAt } = contextOf(command.metadata);
  const slot = requireSlot(command.data);
  const room = requireKnownRoom(state);
  const booking = requireBooking(room, command.data.bookingId, now);
  requireOrganizerOrAdmin(actor, booking, 'reschedule a booking');
  requireVersion(booking, command.data.expectedVersion);
  if (booking.status !== 'confirmed')
    throw new InvalidBookingState(
      booking.bookingId,
      booking.status,
      'only a confirmed booking can be rescheduled',
    );
  const previous = intervalOf(booking);
  if (previous.end <= now)
    throw new InvalidBookingState(
      booking.bookingId,
      booking.status,
      'a booking that has ended cannot be rescheduled',
    );
  if (slot.end < now) throw new ValidationFailed('end', 'not in the past');
  const open = requireOpenRoom(room);
  if (slot.start === previous.start && slot.end === previous.end) return [];

  const startMoves = slot.start !== previous.start;
  const checks = { start: startMoves, minDuration: startMoves || previous.start > now };
  if (slot.start >= previous.start && slot.end <= previous.end)
    checkSlotPolicy(open.policy, slot, now, { ...checks, openingHours: false });
  else checkPlacement(open, slot, now, { excluding: booking.bookingId, checks });

  return [
    {
      type: 'BookingRescheduled',
      data: {
        roomId: room.roomId,
        bookingId: booking.bookingId,
        ...spanOf(slot),
        organizerId: booking.organizerId,
        version: booking.version + 1,
        status: booking.status,
        previous: { start: booking.start, end: booking.end },
        rescheduledBy: actor.userId,
        occurredAt,
      },
    },
  ];
};
