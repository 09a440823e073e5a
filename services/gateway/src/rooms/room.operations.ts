import { z } from 'zod';
import { operation } from '../edge/operation';
import {
  atLeastOneField,
  clockTime,
  text,
  commaList,
  cursorQuery,
  id,
  interval,
  page,
  timeZone,
  utc,
} from '../edge/schemas';

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const minutes = (max: number, description: string) => z.int().min(0).max(max).meta({ description });

const openingSpan = z
  .object({ weekday, opens: clockTime(), closes: clockTime(true) })
  .meta({ id: 'OpeningSpan' });
const closure = z
  .object({
    date: z.iso.date(),
    from: clockTime().optional(),
    to: clockTime(true).optional(),
    reason: text(200).optional(),
  })
  .meta({ id: 'Closure' });
const policy = z
  .object({
    minDurationMinutes: minutes(10_080, '0: no minimum').optional(),
    maxDurationMinutes: minutes(10_080, '0: no maximum').optional(),
    bookingWindowDays: minutes(3_650, 'How far ahead a booking may start; 0: no limit').optional(),
    minNoticeMinutes: minutes(525_600, 'How soon before its start a booking may be made').optional(),
    bufferBeforeMinutes: minutes(720, 'Kept free before each booking').optional(),
    bufferAfterMinutes: minutes(720, 'Kept free after each booking').optional(),
  })
  .strict()
  .meta({ id: 'BookingPolicy' });

const roomFields = {
  name: text(200, 1).trim(),
  building: text(100).optional(),
  floor: text(50).optional(),
  capacity: z.int().min(1).max(10_000),
  seats: z
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .meta({ description: 'Bookings that may run at once (shared rooms); default 1' }),
  timeZone,
  amenities: z
    .array(text(64, 1))
    .max(50)
    .optional()
    .meta({ example: ['projector', 'whiteboard'] }),
  accessibility: z
    .array(text(64, 1))
    .max(50)
    .optional()
    .meta({ example: ['step_free'] }),
  openingHours: z
    .array(openingSpan)
    .max(50)
    .optional()
    .meta({ description: 'Absent or empty: around the clock' }),
  closures: z.array(closure).max(200).optional(),
  policy: policy.optional(),
};

export const room = z
  .object({
    id: id('The room'),
    name: z.string(),
    building: z.string().optional(),
    floor: z.string().optional(),
    capacity: z.int(),
    seats: z.int(),
    timeZone: z.string(),
    amenities: z.array(z.string()),
    accessibility: z.array(z.string()),
    openingHours: z.array(openingSpan),
    closures: z.array(closure),
    policy: policy,
    retired: z.boolean(),
    version: z.int().meta({ description: "The room's version: its ETag" }),
    updatedAt: utc('Last change').optional(),
  })
  .meta({ id: 'Room' });

const roomExample = {
  id: '0b8f3c52-5d0e-4f7e-9a43-1f2d3c4b5a69',
  name: 'Ada',
  building: 'A',
  floor: '2',
  capacity: 8,
  seats: 1,
  timeZone: 'Europe/Berlin',
  amenities: ['projector', 'whiteboard'],
  accessibility: ['step_free'],
  openingHours: [{ weekday: 'mon', opens: '08:00', closes: '18:00' }],
  closures: [],
  policy: {
    minDurationMinutes: 15,
    maxDurationMinutes: 240,
    bookingWindowDays: 90,
    minNoticeMinutes: 0,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 5,
  },
  retired: false,
  version: 1,
  updatedAt: '2026-11-22T17:00:00Z',
};
const {
  id: _id,
  retired: _retired,
  version: _version,
  updatedAt: _updatedAt,
  ...roomSpecExample
} = roomExample;

const roomErrors = ['validation_failed', 'already_exists'] as const;
const roomParams = z.object({ roomId: id('The room') });

export const registerRoom = operation({
  id: 'createRoom',
  method: 'post',
  path: '/v1/rooms',
  tag: 'rooms',
  summary: 'Add a room to the catalogue (admins)',
  access: 'admin',
  body: z.object(roomFields).strict(),
  requestExample: roomSpecExample,
  success: { status: 201, description: 'Added', schema: room, example: roomExample, etag: true },
  errors: roomErrors,
});

export const updateRoom = operation({
  id: 'updateRoom',
  method: 'patch',
  path: '/v1/rooms/{roomId}',
  tag: 'rooms',
  summary: 'Change a room (admins): only the fields sent change',
  description: 'Inside `policy`, only the rules sent change. An empty `building` or `floor` clears it.',
  access: 'admin',
  params: roomParams,
  body: atLeastOneField(
    z
      .object({
        ...roomFields,
        name: roomFields.name.optional(),
        capacity: roomFields.capacity.optional(),
        timeZone: roomFields.timeZone.optional(),
      })
      .strict(),
  ),
  requestExample: { capacity: 10, policy: { maxDurationMinutes: 120 } },
  ifMatch: true,
  success: {
    status: 200,
    description: 'Changed',
    schema: room,
    example: { ...roomExample, capacity: 10, version: 2 },
    etag: true,
  },
  errors: ['not_found', 'invalid_room_state'],
});

export const retireRoom = operation({
  id: 'retireRoom',
  method: 'post',
  path: '/v1/rooms/{roomId}/retire',
  tag: 'rooms',
  summary: 'Retire a room (admins): it takes no new bookings; it and its history stay readable',
  access: 'admin',
  params: roomParams,
  body: z.object({ reason: text(500).optional() }).strict(),
  requestExample: { reason: 'Converted to an office' },
  ifMatch: true,
  success: {
    status: 200,
    description: 'Retired',
    schema: room,
    example: { ...roomExample, retired: true, version: 2 },
    etag: true,
  },
  errors: ['not_found'],
});

export const getRoom = operation({
  id: 'getRoom',
  method: 'get',
  path: '/v1/rooms/{roomId}',
  tag: 'rooms',
  summary: 'A room',
  access: 'member',
  params: roomParams,
  success: { status: 200, description: 'The room', schema: room, example: roomExample, etag: true },
  errors: ['not_found'],
});

export const searchRooms = operation({
  id: 'searchRooms',
  method: 'get',
  path: '/v1/rooms',
  tag: 'rooms',
  summary: 'Find rooms: by size, amenities, place, and free for a whole window',
  access: 'member',
  query: z.object({
    minCapacity: z.coerce.number().int().min(0).max(10_000).optional(),
    amenities: commaList('All of these (comma-separated)', 'projector,whiteboard'),
    accessibility: commaList('All of these (comma-separated)', 'step_free'),
    building: text(100).optional(),
    floor: text(50).optional(),
    free: interval(
      'Only rooms free for the whole of this interval: `start/end`, RFC 3339 with offsets',
    ).optional(),
    includeRetired: z
      .enum(['true', 'false'])
      .optional()
      .transform((value) => value === 'true'),
    ...cursorQuery,
  }),
  success: { status: 200, description: 'A page of rooms', schema: page(room, 'RoomPage') },
  errors: [],
});
