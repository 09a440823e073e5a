/**
 * Builders shared by the Room specifications (test code; not exported from the library). Defaults
 * describe one ordinary room: `room-1`, "Spree 3.12" in Berlin, open on weekdays 07:00-20:00, a
 * 15..480-minute policy; now is Monday 2026-03-02 08:00Z; ada is an admin, alice is not.
 */
import type { Actor, CommandMetadata, RegisterRoom, RetireRoom, UpdateRoom } from './room.commands';
import type { RoomPolicyChanged, RoomRegistered, RoomRetired, RoomUpdated } from './room.events';
import type { RoomChanges, RoomField, RoomProfile, RoomProfileInput } from './room-profile';

export const ROOM = 'room-1';
export const NOW = '2026-03-02T08:00:00Z';
export const LATER = '2026-03-02T09:30:00Z';

export const ada: Actor = { userId: 'ada', roles: ['admin'] };
export const alice: Actor = { userId: 'alice', roles: ['member'] };

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;

/** The room as registered, already in canonical form. */
export const profile = (overrides: Partial<RoomProfile> = {}): RoomProfile => ({
  name: 'Spree 3.12',
  building: 'Spree',
  floor: '3',
  capacity: 8,
  seats: 1,
  timeZone: 'Europe/Berlin',
  amenities: ['projector', 'whiteboard'],
  accessibility: ['step_free'],
  openingHours: weekdays.map((weekday) => ({ weekday, opens: '07:00', closes: '20:00' })),
  closures: [],
  policy: {
    minDurationMinutes: 15,
    maxDurationMinutes: 480,
    bookingWindowDays: 90,
    minNoticeMinutes: 0,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 10,
  },
  ...overrides,
});

type By = { by?: Actor; at?: string };
const metadata = ({ by = ada, at = NOW }: By): CommandMetadata => ({
  commandId: 'command-1',
  actor: by,
  now: at,
});

export const registerRoom = (
  room: Partial<RoomProfileInput> = {},
  options: By & { roomId?: string } = {},
): RegisterRoom => ({
  type: 'RegisterRoom',
  data: { roomId: options.roomId ?? ROOM, room: { ...profile(), ...room } as RoomProfileInput },
  metadata: metadata(options),
});

export const updateRoom = (
  changes: RoomChanges,
  options: By & { expectedVersion?: number; roomId?: string } = {},
): UpdateRoom => ({
  type: 'UpdateRoom',
  data: {
    roomId: options.roomId ?? ROOM,
    changes,
    ...(options.expectedVersion !== undefined && { expectedVersion: options.expectedVersion }),
  },
  metadata: metadata({ at: LATER, ...options }),
});

export const retireRoom = (options: By & { expectedVersion?: number; reason?: string } = {}): RetireRoom => ({
  type: 'RetireRoom',
  data: {
    roomId: ROOM,
    ...(options.reason !== undefined && { reason: options.reason }),
    ...(options.expectedVersion !== undefined && { expectedVersion: options.expectedVersion }),
  },
  metadata: metadata({ at: LATER, ...options }),
});

export const roomRegistered = (room: RoomProfile = profile()): RoomRegistered => ({
  type: 'RoomRegistered',
  data: { roomId: ROOM, occurredAt: NOW, room, registeredBy: 'ada' },
});

export const roomUpdated = (room: RoomProfile, changed: RoomField[]): RoomUpdated => ({
  type: 'RoomUpdated',
  data: { roomId: ROOM, occurredAt: LATER, room, changed, updatedBy: 'ada' },
});

export const roomPolicyChanged = (room: RoomProfile, changed: RoomField[]): RoomPolicyChanged => ({
  type: 'RoomPolicyChanged',
  data: { roomId: ROOM, occurredAt: LATER, room, changed, changedBy: 'ada' },
});

export const roomRetired = (room: RoomProfile = profile(), reason?: string): RoomRetired => ({
  type: 'RoomRetired',
  data: { roomId: ROOM, occurredAt: LATER, room, retiredBy: 'ada', ...(reason ? { reason } : {}) },
});
