import type { RoomEventPayload, RoomEventType } from '@roomledger/contracts';
import type { RecordedEvent } from '@roomledger/event-store';
import type { IntegrationMessage } from '@roomledger/messaging';
import type { RoomEvent, RoomProfile } from '@roomledger/room-domain';

const PUBLIC_NAMES: Record<RoomEvent['type'], RoomEventType> = {
  RoomRegistered: 'registered',
  RoomUpdated: 'updated',
  RoomPolicyChanged: 'policy-changed',
  RoomRetired: 'retired',
};

/**
 * The public room feed: each event of a `room-<roomId>` stream as its `room.events.v1` message (JSON
 * Schemas in `libs/contracts/schemas/room.events.v1`), keyed and subject by room id, carrying the whole
 * room after the event and its version (stream revision + 1). Stateless: the domain events carry the
 * whole room. Every room event is public; an unknown type throws (the relay then stops at it and says
 * so, rather than skip it).
 */
export function toRoomFeedMessage(recorded: RecordedEvent): IntegrationMessage | null {
  const event = recorded as RecordedEvent<RoomEvent>;
  const name = PUBLIC_NAMES[event.type];
  if (!name) throw new Error(`the room feed has no public name for ${recorded.type}`);
  const { roomId } = event.data;
  return {
    type: `roomledger.room.${name}.v1`,
    subject: roomId,
    key: roomId,
    data: roomPayload(
      roomId,
      Number(recorded.revision) + 1,
      event.data.occurredAt,
      event.data.room,
      event.type === 'RoomRetired',
    ),
  };
}

/** Exactly the properties of the public schema, no internal ones (who changed what stays inside). */
export function roomPayload(
  roomId: string,
  version: number,
  occurredAt: string,
  room: RoomProfile,
  retired: boolean,
): RoomEventPayload {
  return {
    roomId,
    version,
    occurredAt,
    name: room.name,
    capacity: room.capacity,
    seats: room.seats,
    timeZone: room.timeZone,
    ...(room.building !== undefined && { building: room.building }),
    ...(room.floor !== undefined && { floor: room.floor }),
    amenities: [...room.amenities],
    accessibility: [...room.accessibility],
    openingHours: room.openingHours.map(({ weekday, opens, closes }) => ({ weekday, opens, closes })),
    closures: room.closures.map(({ date, from, to, reason }) => ({
      date,
      ...(from !== undefined && { from }),
      ...(to !== undefined && { to }),
      ...(reason !== undefined && { reason }),
    })),
    policy: {
      minDurationMinutes: room.policy.minDurationMinutes,
      maxDurationMinutes: room.policy.maxDurationMinutes,
      bookingWindowDays: room.policy.bookingWindowDays,
      minNoticeMinutes: room.policy.minNoticeMinutes,
      bufferBeforeMinutes: room.policy.bufferBeforeMinutes,
      bufferAfterMinutes: room.policy.bufferAfterMinutes,
    },
    retired,
  };
}
