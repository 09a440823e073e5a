import type { IsoInstant } from '@roomledger/booking-domain';
import type { RoomEvent } from './room.events';
import type { RoomProfile } from './room-profile';

export interface UnregisteredRoom {
  readonly status: 'unregistered';
}

export interface RegisteredRoom {
  readonly status: 'active' | 'retired';
  readonly roomId: string;
  readonly room: RoomProfile;
  /** The room's own version (its `ETag`): how many events its stream holds, i.e. stream revision + 1. */
  readonly version: number;
  /** `occurredAt` of the latest event. */
  readonly updatedAt: IsoInstant;
}

export type RoomState = UnregisteredRoom | RegisteredRoom;

export const initialState = (): RoomState => ({ status: 'unregistered' });

export const evolve = (state: RoomState, event: RoomEvent): RoomState => {
  const version = state.status === 'unregistered' ? 1 : state.version + 1;
  const { roomId, room, occurredAt: updatedAt } = event.data;
  switch (event.type) {
    case 'RoomRegistered':
    case 'RoomUpdated':
    case 'RoomPolicyChanged':
      return { status: 'active', roomId, room, version, updatedAt };
    case 'RoomRetired':
      return { status: 'retired', roomId, room, version, updatedAt };
    default: {
      const unknown: never = event;
      throw new Error(`Room cannot evolve with ${(unknown as { type: string }).type}`);
    }
  }
};
