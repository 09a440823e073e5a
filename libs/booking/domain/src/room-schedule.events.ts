import type { PolicyRule, TimeSpan } from './errors';
import type { IsoInstant } from './instants';
import type { RoomPolicy } from './room-policy';

export interface Event<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
  /** Filled by the command handler (event id, command id, traceparent); decide never sets it. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

interface RoomFact {
  readonly roomId: string;
  /** The `now` of the decision that wrote the event; pruning reads only this. */
  readonly occurredAt: IsoInstant;
}

/** Every booking event carries the booking as it is after the event, so relays need no state. */
interface BookingFact extends RoomFact {
  readonly bookingId: string;
  readonly start: IsoInstant;
  readonly end: IsoInstant;
  readonly organizerId: string;
  /** The booking's own version (its ETag): how many events of this stream concern it, this one included. */
  readonly version: number;
}

export type RoomPolicyApplied = Event<'RoomPolicyApplied', RoomFact & { readonly policy: RoomPolicy }>;

export type HoldPlaced = Event<
  'HoldPlaced',
  BookingFact & {
    readonly title: string;
    readonly meetingId?: string;
    readonly heldBy: string;
    readonly expiresAt: IsoInstant;
  }
>;

/** Written for a confirmed hold, a direct booking and each booked series occurrence alike. */
export type BookingConfirmed = Event<
  'BookingConfirmed',
  BookingFact & { readonly title: string; readonly meetingId?: string; readonly seriesId?: string }
>;

export type BookingCancelled = Event<
  'BookingCancelled',
  BookingFact & {
    readonly previousStatus: 'held' | 'confirmed';
    readonly cancelledBy: string;
    /** `maintenance` when a forced maintenance block cancelled it. */
    readonly reason?: string;
    readonly maintenanceBlockId?: string;
  }
>;

export type HoldExpired = Event<'HoldExpired', BookingFact & { readonly expiresAt: IsoInstant }>;

export type BookingRescheduled = Event<
  'BookingRescheduled',
  BookingFact & {
    /** The booking's status, unchanged by the move (only live bookings are rescheduled). */
    readonly status: 'held' | 'confirmed';
    readonly previous: TimeSpan;
    readonly rescheduledBy: string;
  }
>;

export type MaintenanceBlockPlaced = Event<
  'MaintenanceBlockPlaced',
  RoomFact & {
    readonly blockId: string;
    readonly start: IsoInstant;
    readonly end: IsoInstant;
    readonly placedBy: string;
    readonly reason?: string;
    /** With `force`: the bookings cancelled by the `BookingCancelled` events that follow. */
    readonly cancelledBookingIds: readonly string[];
  }
>;

export type MaintenanceBlockLifted = Event<
  'MaintenanceBlockLifted',
  RoomFact & {
    readonly blockId: string;
    readonly start: IsoInstant;
    readonly end: IsoInstant;
    readonly liftedBy: string;
  }
>;

export type SkipReason =
  | { readonly code: 'slot_taken'; readonly conflicts: readonly TimeSpan[] }
  | { readonly code: 'policy_violation'; readonly rule: PolicyRule };

export interface SkippedOccurrence extends TimeSpan {
  readonly bookingId: string;
  readonly reason: SkipReason;
}

/**
 * `BookSeries` with `skip-conflicts`: the occurrences not booked and why. Written after the
 * `BookingConfirmed` events of the booked ones, only when something was skipped. Concerns no
 * booking, so it counts towards no booking's version.
 */
export type SeriesOccurrencesSkipped = Event<
  'SeriesOccurrencesSkipped',
  RoomFact & {
    readonly seriesId: string;
    readonly meetingId?: string;
    readonly organizerId: string;
    readonly skipped: readonly SkippedOccurrence[];
  }
>;

export type RoomScheduleEvent =
  | RoomPolicyApplied
  | HoldPlaced
  | BookingConfirmed
  | BookingCancelled
  | HoldExpired
  | BookingRescheduled
  | MaintenanceBlockPlaced
  | MaintenanceBlockLifted
  | SeriesOccurrencesSkipped;

/** What the API calls a booking's state. */
export type BookingStatus = 'held' | 'confirmed' | 'cancelled' | 'expired';

/** The status a booking has after an event about it; `undefined` when the event leaves it as it was (a reschedule) or concerns no booking. */
export const statusAfter = (type: RoomScheduleEvent['type']): BookingStatus | undefined => {
  switch (type) {
    case 'HoldPlaced':
      return 'held';
    case 'BookingConfirmed':
      return 'confirmed';
    case 'BookingCancelled':
      return 'cancelled';
    case 'HoldExpired':
      return 'expired';
    default:
      return undefined;
  }
};
