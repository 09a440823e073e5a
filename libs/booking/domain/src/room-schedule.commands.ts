import type { IsoInstant } from './instants';
import type { RoomPolicyInput } from './room-policy';

export interface Actor {
  readonly userId: string;
  /** `admin` may act for others, cancel or reschedule anyone's booking, and manage maintenance. */
  readonly roles: readonly string[];
}

/** What every command carries besides its data: the decision's time comes from here, never a clock. */
export interface CommandMetadata {
  readonly commandId: string;
  readonly actor: Actor;
  readonly now: IsoInstant;
}

export interface Command<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: CommandMetadata;
}

interface NewBooking {
  readonly bookingId: string;
  readonly start: IsoInstant;
  readonly end: IsoInstant;
  readonly title: string;
  /** Defaults to the actor; anyone else only when the actor is an admin. */
  readonly organizerId?: string;
  readonly meetingId?: string;
}

/** `ttlSeconds`: the caller applies the default (300). */
export type PlaceHold = Command<'PlaceHold', NewBooking & { readonly ttlSeconds: number }>;
export type BookDirectly = Command<'BookDirectly', NewBooking>;

/** `expectedVersion` is the booking's `ETag` from `If-Match`. */
export type ConfirmBooking = Command<
  'ConfirmBooking',
  { readonly bookingId: string; readonly expectedVersion?: number }
>;
export type CancelBooking = Command<
  'CancelBooking',
  { readonly bookingId: string; readonly reason?: string; readonly expectedVersion?: number }
>;
export type ExpireHold = Command<'ExpireHold', { readonly bookingId: string }>;
export type RescheduleBooking = Command<
  'RescheduleBooking',
  {
    readonly bookingId: string;
    readonly start: IsoInstant;
    readonly end: IsoInstant;
    readonly expectedVersion?: number;
  }
>;

export type BlockForMaintenance = Command<
  'BlockForMaintenance',
  {
    readonly blockId: string;
    readonly start: IsoInstant;
    readonly end: IsoInstant;
    readonly reason?: string;
    /** Cancel the confirmed bookings and live holds in the way instead of refusing. */
    readonly force?: boolean;
  }
>;
export type LiftMaintenance = Command<'LiftMaintenance', { readonly blockId: string }>;

/** Sent by the room-events consumer with the room's replicated policy. */
export type ApplyRoomPolicy = Command<
  'ApplyRoomPolicy',
  { readonly roomId: string; readonly policy: RoomPolicyInput }
>;

export interface SeriesOccurrence {
  readonly bookingId: string;
  readonly start: IsoInstant;
  readonly end: IsoInstant;
}

export type SeriesConflictPolicy = 'all-or-nothing' | 'skip-conflicts';

export type BookSeries = Command<
  'BookSeries',
  {
    readonly seriesId: string;
    readonly title: string;
    readonly organizerId?: string;
    readonly meetingId?: string;
    readonly onConflict: SeriesConflictPolicy;
    /** Decided in the order given: with `skip-conflicts` an earlier occurrence wins over a later one. */
    readonly occurrences: readonly SeriesOccurrence[];
  }
>;

export type RoomScheduleCommand =
  | PlaceHold
  | BookDirectly
  | ConfirmBooking
  | CancelBooking
  | ExpireHold
  | RescheduleBooking
  | BlockForMaintenance
  | LiftMaintenance
  | ApplyRoomPolicy
  | BookSeries;
