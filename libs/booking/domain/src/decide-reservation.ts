import { Forbidden, HoldAlreadyExpired, InvalidBookingState, ValidationFailed } from './errors';
import { isoOf, msOf } from './instants';
import type { BookDirectly, ConfirmBooking, ExpireHold, PlaceHold } from './room-schedule.commands';
import type { BookingConfirmed, HoldExpired, HoldPlaced } from './room-schedule.events';
import {
  checkPlacement,
  contextOf,
  findBooking,
  isAdmin,
  optional,
  organizerFor,
  requireBooking,
  requireId,
  requireKnownRoom,
  requireOpenRoom,
  requireSlot,
  requireTitle,
  requireUnusedIds,
  requireVersion,
  spanOf,
} from './room-schedule.rules';
import type { RoomScheduleState } from './room-schedule.state';

/** Taking a slot: a hold, its confirmation or expiry, or a direct booking. */

const newBooking = (command: PlaceHold | BookDirectly, state: RoomScheduleState) => {
  const context = contextOf(command.metadata);
  const { bookingId, title, meetingId } = command.data;
  requireId(bookingId, 'bookingId');
  requireTitle(title);
  if (command.data.organizerId !== undefined) requireId(command.data.organizerId, 'organizerId');
  const slot = requireSlot(command.data);
  const room = requireOpenRoom(requireKnownRoom(state));
  const organizerId = organizerFor(context.actor, command.data.organizerId);
  requireUnusedIds(room, [bookingId], context.now);
  checkPlacement(room, slot, context.now);
  const facts = { roomId: room.roomId, bookingId, ...spanOf(slot), organizerId, version: 1 };
  return {
    context,
    facts: { ...facts, title, ...optional('meetingId', meetingId), occurredAt: context.occurredAt },
  };
};

export const placeHold = (command: PlaceHold, state: RoomScheduleState): HoldPlaced[] => {
  const { ttlSeconds } = command.data;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
    throw new ValidationFailed('ttlSeconds', 'a positive integer');
  const { context, facts } = newBooking(command, state);
  const expiresAt = isoOf(context.now + ttlSeconds * 1000);
  return [{ type: 'HoldPlaced', data: { ...facts, heldBy: context.actor.userId, expiresAt } }];
};

/** One `BookingConfirmed` with the whole booking; no `HoldPlaced` precedes it. */
export const bookDirectly = (command: BookDirectly, state: RoomScheduleState): BookingConfirmed[] => {
  const { facts } = newBooking(command, state);
  return [{ type: 'BookingConfirmed', data: facts }];
};

export const confirmBooking = (command: ConfirmBooking, state: RoomScheduleState): BookingConfirmed[] => {
  const { now, actor, occurredAt } = contextOf(command.metadata);
  const room = requireKnownRoom(state);
  const booking = requireBooking(room, command.data.bookingId, now);
  const allowed =
    booking.status === 'held'
      ? booking.heldBy === actor.userId
      : booking.organizerId === actor.userId || isAdmin(actor);
  if (!allowed) throw new Forbidden('only the holder may confirm a hold');
  requireVersion(booking, command.data.expectedVersion);
  switch (booking.status) {
    case 'confirmed':
      return [];
    case 'cancelled':
      throw new InvalidBookingState(
        booking.bookingId,
        booking.status,
        'a cancelled booking cannot be confirmed',
      );
    case 'expired':
      throw new HoldAlreadyExpired(booking.bookingId, booking.expiresAt);
    case 'held': {
      // Expiry and confirmation never both win: past `expiresAt` the hold is gone, written or not.
      if (msOf(booking.expiresAt) <= now) throw new HoldAlreadyExpired(booking.bookingId, booking.expiresAt);
      requireOpenRoom(room);
      const { bookingId, start, end, organizerId, version, title, meetingId } = booking;
      return [
        {
          type: 'BookingConfirmed',
          data: {
            roomId: room.roomId,
            bookingId,
            start,
            end,
            organizerId,
            version: version + 1,
            title,
            ...optional('meetingId', meetingId),
            occurredAt,
          },
        },
      ];
    }
  }
};

/** Idempotent: anything but a known hold past its `expiresAt` (a missing room or booking too) yields nothing. */
export const expireHold = (command: ExpireHold, state: RoomScheduleState): HoldExpired[] => {
  const { now, occurredAt } = contextOf(command.metadata);
  if (state.status === 'unknown') return [];
  const booking = findBooking(state, command.data.bookingId, now);
  if (booking?.status !== 'held' || msOf(booking.expiresAt) > now) return [];
  const { bookingId, start, end, organizerId, version, expiresAt } = booking;
  return [
    {
      type: 'HoldExpired',
      data: {
        roomId: state.roomId,
        bookingId,
        start,
        end,
        organizerId,
        version: version + 1,
        expiresAt,
        occurredAt,
      },
    },
  ];
};
