import type { Command } from '@roomledger/booking-domain';
import type { RoomChanges, RoomProfileInput } from './room-profile';

export type { Actor, CommandMetadata } from '@roomledger/booking-domain';

/** Admins only. The room id is the caller's (or derived from the command id by the service). */
export type RegisterRoom = Command<
  'RegisterRoom',
  { readonly roomId: string; readonly room: RoomProfileInput }
>;

/** Partial: only the fields in `changes`. `expectedVersion` is the room's `ETag` from `If-Match`. */
export type UpdateRoom = Command<
  'UpdateRoom',
  { readonly roomId: string; readonly changes: RoomChanges; readonly expectedVersion?: number }
>;

/** A retired room takes no new bookings and cannot be changed; retiring it again changes nothing. */
export type RetireRoom = Command<
  'RetireRoom',
  { readonly roomId: string; readonly reason?: string; readonly expectedVersion?: number }
>;

export type RoomCommand = RegisterRoom | UpdateRoom | RetireRoom;
