import type { Event, IsoInstant } from '@roomledger/booking-domain';
import type { RoomField, RoomProfile } from './room-profile';

/**
 * Every room event carries the whole room as it is after the event (`room`), so the public feed and
 * the read model need no state, and `occurredAt` (the command's `now`).
 */
interface RoomFact {
  readonly roomId: string;
  readonly occurredAt: IsoInstant;
  readonly room: RoomProfile;
}

export type RoomRegistered = Event<'RoomRegistered', RoomFact & { readonly registeredBy: string }>;

/**
 * The room's description changed (name, building, floor, capacity, seats, time zone, amenities,
 * accessibility), possibly with its policy in the same update; `changed` names every field that did.
 */
export type RoomUpdated = Event<
  'RoomUpdated',
  RoomFact & { readonly changed: readonly RoomField[]; readonly updatedBy: string }
>;

/** Only when and how it may be booked changed: opening hours, closures, booking policy. */
export type RoomPolicyChanged = Event<
  'RoomPolicyChanged',
  RoomFact & { readonly changed: readonly RoomField[]; readonly changedBy: string }
>;

export type RoomRetired = Event<
  'RoomRetired',
  RoomFact & { readonly retiredBy: string; readonly reason?: string }
>;

export type RoomEvent = RoomRegistered | RoomUpdated | RoomPolicyChanged | RoomRetired;
