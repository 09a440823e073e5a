import { Controller, Inject } from '@nestjs/common';
import { context, Downstream } from '../edge/downstream';
import { Edge } from '../edge/edge.interceptor';
import { reply, Route, type EdgeRequest } from '../edge/operation';
import { optional, pageOf } from '../edge/schemas';
import { getRoom, registerRoom, retireRoom, searchRooms, updateRoom } from './room.operations';

interface RoomReply {
  id: string;
  name: string;
  building: string;
  floor: string;
  capacity: number;
  seats: number;
  timeZone: string;
  amenities: string[];
  accessibility: string[];
  openingHours: { weekday: string; opens: string; closes: string }[];
  closures: { date: string; from: string; to: string; reason: string }[];
  policy: Record<string, number> | null;
  retired: boolean;
  version: string;
  updatedAt: string;
}

const roomOut = (room: RoomReply) => ({
  id: room.id,
  name: room.name,
  building: optional(room.building),
  floor: optional(room.floor),
  capacity: room.capacity,
  seats: room.seats,
  timeZone: room.timeZone,
  amenities: room.amenities,
  accessibility: room.accessibility,
  openingHours: room.openingHours,
  closures: room.closures.map((closure) => ({
    date: closure.date,
    from: optional(closure.from),
    to: optional(closure.to),
    reason: optional(closure.reason),
  })),
  policy: room.policy ?? {},
  retired: room.retired,
  version: Number(room.version),
  updatedAt: optional(room.updatedAt),
});

const roomReply = (room: RoomReply, created = false) =>
  reply(roomOut(room), { version: room.version, ...(created ? { location: `/v1/rooms/${room.id}` } : {}) });

/** The room catalogue: mapped onto roomledger.room.v1.RoomService. */
@Controller()
export class RoomsHttpController {
  constructor(@Inject(Downstream) private readonly services: Downstream) {}

  @Route(registerRoom)
  async register(@Edge() request: EdgeRequest<typeof registerRoom>) {
    const room = await this.services.call<RoomReply>(
      'room',
      'RegisterRoom',
      { room: request.body },
      context(request),
    );
    return roomReply(room, true);
  }

  @Route(searchRooms)
  async search(@Edge() request: EdgeRequest<typeof searchRooms>) {
    const query = request.query;
    const found = await this.services.call<{ items: RoomReply[]; nextCursor: string }>(
      'room',
      'SearchRooms',
      {
        minCapacity: query.minCapacity ?? 0,
        amenities: query.amenities,
        accessibility: query.accessibility,
        building: query.building ?? '',
        floor: query.floor ?? '',
        freeFrom: query.free?.start ?? '',
        freeTo: query.free?.end ?? '',
        includeRetired: query.includeRetired,
        limit: query.limit ?? 0,
        cursor: query.cursor ?? '',
      },
      context(request),
    );
    return pageOf(found, roomOut);
  }

  @Route(getRoom)
  async get(@Edge() request: EdgeRequest<typeof getRoom>) {
    return roomReply(
      await this.services.call<RoomReply>('room', 'GetRoom', request.params, context(request)),
    );
  }

  /** The fields sent are the update mask; inside `policy`, each rule sent is its own mask entry. */
  @Route(updateRoom)
  async update(@Edge() request: EdgeRequest<typeof updateRoom>) {
    const change = request.body;
    const updateMask = Object.keys(change).flatMap((field) =>
      field === 'policy' ? Object.keys(change.policy ?? {}).map((rule) => `policy.${rule}`) : [field],
    );
    const room = await this.services.call<RoomReply>(
      'room',
      'UpdateRoom',
      { roomId: request.params.roomId, room: change, updateMask, expectedVersion: request.expectedVersion },
      context(request),
    );
    return roomReply(room);
  }

  @Route(retireRoom)
  async retire(@Edge() request: EdgeRequest<typeof retireRoom>) {
    const room = await this.services.call<RoomReply>(
      'room',
      'RetireRoom',
      {
        roomId: request.params.roomId,
        reason: request.body.reason ?? '',
        expectedVersion: request.expectedVersion,
      },
      context(request),
    );
    return roomReply(room);
  }
}
