import { z } from 'zod';
import { operation } from '../edge/operation';
import { atLeastOneField, cursorQuery, text, id, instant, page, timeSpan, utc } from '../edge/schemas';

const bookingStatus = z.enum(['held', 'confirmed', 'cancelled', 'expired']);

export const booking = z
  .object({
    id: id('The booking'),
    roomId: id('The room'),
    start: utc('Start'),
    end: utc('End'),
    status: bookingStatus,
    organizerId: id('Who booked it'),
    title: z.string(),
    version: z.int().meta({ description: "The booking's own version: its ETag" }),
    expiresAt: utc('When a hold lapses (holds only)').optional(),
    meetingId: id('The meeting it belongs to').optional(),
    seriesId: id('The series it belongs to').optional(),
    cancelReason: z.string().optional(),
    updatedAt: utc('Last change').optional(),
  })
  .meta({ id: 'Booking' });

const bookingExample = {
  id: '5c6b0a1e-8f3d-4c2a-9b7e-2d1f0e3c4b5a',
  roomId: '0b8f3c52-5d0e-4f7e-9a43-1f2d3c4b5a69',
  start: '2026-12-01T08:00:00Z',
  end: '2026-12-01T09:00:00Z',
  status: 'confirmed',
  organizerId: '7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b',
  title: 'Sprint planning',
  version: 1,
  updatedAt: '2026-11-22T17:00:00Z',
};

const bookingParams = z.object({ bookingId: id('The booking') });
const title = text(200, 1).trim().meta({ example: 'Sprint planning' });
const newBooking = {
  roomId: id('The room'),
  start: instant('Start'),
  end: instant('End', '2026-12-01T10:00:00+01:00'),
  title,
  organizerId: id('Book on behalf of someone (admins only); default the caller').optional(),
};
const bookingErrors = [
  'not_found',
  'room_unknown',
  'slot_taken',
  'policy_violation',
  'forbidden',
  'contended',
] as const;

export const bookDirectly = operation({
  id: 'bookRoom',
  method: 'post',
  path: '/v1/bookings',
  tag: 'bookings',
  summary: 'Book a room (hold and confirm in one step)',
  description:
    'A taken slot is `409 slot_taken` with the conflicting intervals and up to three free alternatives ' +
    '(the same room first, then similar rooms); a rule of the room is `422 policy_violation` with the `rule`.',
  access: 'member',
  body: z.object(newBooking).strict(),
  requestExample: {
    roomId: bookingExample.roomId,
    start: '2026-12-01T09:00:00+01:00',
    end: '2026-12-01T10:00:00+01:00',
    title: 'Sprint planning',
  },
  success: { status: 201, description: 'Booked', schema: booking, example: bookingExample, etag: true },
  errors: bookingErrors,
});

export const placeHold = operation({
  id: 'holdRoom',
  method: 'post',
  path: '/v1/bookings/holds',
  tag: 'bookings',
  summary: 'Hold a slot until it is confirmed, cancelled or expires',
  access: 'member',
  body: z
    .object({
      ...newBooking,
      ttlSeconds: z.int().min(10).max(3_600).optional().meta({ description: 'Default 300' }),
    })
    .strict(),
  requestExample: {
    roomId: bookingExample.roomId,
    start: '2026-12-01T09:00:00+01:00',
    end: '2026-12-01T10:00:00+01:00',
    title: 'Sprint planning',
    ttlSeconds: 300,
  },
  success: {
    status: 201,
    description: 'Held',
    schema: booking,
    example: { ...bookingExample, status: 'held', expiresAt: '2026-11-22T17:05:00Z' },
    etag: true,
  },
  errors: bookingErrors,
});

export const getBooking = operation({
  id: 'getBooking',
  method: 'get',
  path: '/v1/bookings/{bookingId}',
  tag: 'bookings',
  summary: 'A booking',
  access: 'member',
  params: bookingParams,
  success: { status: 200, description: 'The booking', schema: booking, example: bookingExample, etag: true },
  errors: ['not_found', 'forbidden'],
});

export const confirmBooking = operation({
  id: 'confirmBooking',
  method: 'post',
  path: '/v1/bookings/{bookingId}/confirm',
  tag: 'bookings',
  summary: 'Confirm a hold (its holder only)',
  access: 'member',
  params: bookingParams,
  ifMatch: true,
  success: { status: 200, description: 'Confirmed', schema: booking, example: bookingExample, etag: true },
  errors: ['not_found', 'forbidden', 'hold_expired', 'invalid_booking_state', 'contended'],
});

export const cancelBooking = operation({
  id: 'cancelBooking',
  method: 'post',
  path: '/v1/bookings/{bookingId}/cancel',
  tag: 'bookings',
  summary: 'Cancel a booking or a hold (its organizer or an admin)',
  access: 'member',
  params: bookingParams,
  body: z.object({ reason: text(500).optional() }).strict(),
  requestExample: { reason: 'Moved online' },
  ifMatch: true,
  success: {
    status: 200,
    description: 'Cancelled',
    schema: booking,
    example: { ...bookingExample, status: 'cancelled', version: 2, cancelReason: 'Moved online' },
    etag: true,
  },
  errors: ['not_found', 'forbidden', 'invalid_booking_state', 'contended'],
});

export const changeBooking = operation({
  id: 'changeBooking',
  method: 'patch',
  path: '/v1/bookings/{bookingId}',
  tag: 'bookings',
  summary: 'Reschedule, extend, shorten, end early or move to another room',
  description:
    'Send the new `start` and/or `end` (a missing one keeps its value) to change the interval in the same ' +
    'room; add `roomId` to move the booking to another room, keeping its id (booked there first, then ' +
    'released here).',
  access: 'member',
  params: bookingParams,
  body: atLeastOneField(
    z
      .object({
        start: instant('New start').optional(),
        end: instant('New end', '2026-12-01T10:30:00+01:00').optional(),
        roomId: id('Move to this room').optional(),
      })
      .strict(),
  ),
  requestExample: { end: '2026-12-01T10:30:00+01:00' },
  ifMatch: true,
  success: {
    status: 200,
    description: 'Changed',
    schema: booking,
    example: { ...bookingExample, version: 2 },
    etag: true,
  },
  errors: [...bookingErrors, 'invalid_booking_state'],
});

const historyEntry = z
  .object({
    type: z
      .string()
      .meta({ description: 'held | confirmed | cancelled | expired | rescheduled | moved ...' }),
    occurredAt: utc('When'),
    actorId: z.string().optional(),
    version: z.int(),
    start: utc('Start').optional(),
    end: utc('End').optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'BookingHistoryEntry' });

export const bookingHistory = operation({
  id: 'getBookingHistory',
  method: 'get',
  path: '/v1/bookings/{bookingId}/history',
  tag: 'bookings',
  summary: "A booking's history, oldest first",
  access: 'member',
  params: bookingParams,
  success: {
    status: 200,
    description: 'The history',
    schema: z
      .object({ bookingId: id('The booking'), entries: z.array(historyEntry) })
      .meta({ id: 'BookingHistory' }),
  },
  errors: ['not_found', 'forbidden'],
});

const statuses = z
  .string()
  .optional()
  .meta({ description: 'Comma-separated statuses (default held,confirmed)', example: 'held,confirmed' })
  .transform((value) => (value ? value.split(',').map((entry) => entry.trim()) : []))
  .pipe(z.array(bookingStatus));
const window = {
  from: instant('From (inclusive)', '2026-12-01T00:00:00+01:00').optional(),
  to: instant('To (exclusive)', '2026-12-02T00:00:00+01:00').optional(),
};

export const bookingPage = page(booking, 'BookingPage');

/** A list's window, when both ends are given, runs forward. */
const listQuery = z
  .object({ ...window, status: statuses, ...cursorQuery })
  .refine((query) => !query.from || !query.to || Date.parse(query.from) < Date.parse(query.to), {
    message: 'must be after from',
    path: ['to'],
  });

export const listRoomBookings = operation({
  id: 'listRoomBookings',
  method: 'get',
  path: '/v1/rooms/{roomId}/bookings',
  tag: 'bookings',
  summary: "A room's bookings in a window",
  access: 'member',
  params: z.object({ roomId: id('The room') }),
  query: listQuery,
  success: { status: 200, description: 'A page of bookings', schema: bookingPage },
  errors: ['not_found'],
});

export const listMyBookings = operation({
  id: 'listMyBookings',
  method: 'get',
  path: '/v1/users/me/bookings',
  tag: 'bookings',
  summary: 'My bookings',
  access: 'member',
  query: listQuery,
  success: { status: 200, description: 'A page of bookings', schema: bookingPage },
  errors: [],
});

export const roomAvailability = operation({
  id: 'getRoomAvailability',
  method: 'get',
  path: '/v1/rooms/{roomId}/availability',
  tag: 'bookings',
  summary: 'Busy and free time of a room',
  description:
    "Busy includes holds and maintenance, with the room's buffers applied; `free` lists gaps of at least `minDuration` minutes.",
  access: 'member',
  params: z.object({ roomId: id('The room') }),
  query: z.object({
    from: instant('From', '2026-12-01T00:00:00+01:00'),
    to: instant('To', '2026-12-02T00:00:00+01:00'),
    minDuration: z.coerce.number().int().min(1).max(1_440).optional().meta({ description: 'Minutes' }),
  }),
  success: {
    status: 200,
    description: 'Busy and free intervals',
    schema: z
      .object({ roomId: id('The room'), busy: z.array(timeSpan), free: z.array(timeSpan) })
      .meta({ id: 'RoomAvailability' }),
  },
  errors: ['not_found', 'room_unknown'],
});

const maintenanceBlock = z
  .object({
    id: id('The block'),
    roomId: id('The room'),
    start: utc('Start'),
    end: utc('End'),
    status: z.enum(['active', 'lifted']),
    cancelledBookingIds: z.array(z.string()),
  })
  .meta({ id: 'MaintenanceBlock' });

export const blockForMaintenance = operation({
  id: 'blockRoomForMaintenance',
  method: 'post',
  path: '/v1/rooms/{roomId}/maintenance',
  tag: 'rooms',
  summary: 'Block a room for maintenance (admins)',
  description:
    'Refused with `409 slot_taken` and the conflicts when bookings are in the way, unless `force` cancels them.',
  access: 'admin',
  params: z.object({ roomId: id('The room') }),
  body: z
    .object({
      start: instant('Start'),
      end: instant('End', '2026-12-01T12:00:00+01:00'),
      reason: text(500).optional(),
      force: z.boolean().optional(),
    })
    .strict(),
  requestExample: {
    start: '2026-12-01T09:00:00+01:00',
    end: '2026-12-01T12:00:00+01:00',
    reason: 'Projector repair',
  },
  success: { status: 201, description: 'Blocked', schema: maintenanceBlock },
  errors: ['not_found', 'room_unknown', 'slot_taken', 'contended'],
});

export const liftMaintenance = operation({
  id: 'liftRoomMaintenance',
  method: 'delete',
  path: '/v1/rooms/{roomId}/maintenance/{blockId}',
  tag: 'rooms',
  summary: 'Lift a maintenance block (admins)',
  access: 'admin',
  params: z.object({ roomId: id('The room'), blockId: id('The block') }),
  success: { status: 200, description: 'Lifted', schema: maintenanceBlock },
  errors: ['not_found', 'room_unknown', 'contended'],
});

export const findAlternatives = operation({
  id: 'findAlternatives',
  method: 'get',
  path: '/v1/bookings/alternatives',
  tag: 'bookings',
  summary: 'Free slots near a wanted one: the same room first, then similar rooms',
  access: 'member',
  query: z.object({
    roomId: id('The room wanted'),
    start: instant('Start'),
    end: instant('End', '2026-12-01T10:00:00+01:00'),
    limit: z.coerce.number().int().min(1).max(10).optional(),
  }),
  success: {
    status: 200,
    description: 'Alternatives',
    schema: z.object({
      items: z.array(z.object({ roomId: id('The room'), start: utc('Start'), end: utc('End') })),
    }),
  },
  errors: ['not_found', 'room_unknown'],
});
