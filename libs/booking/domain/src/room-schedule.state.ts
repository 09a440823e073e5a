import { DAY_MS, msOf, type IsoInstant } from './instants';
import type { RoomPolicy } from './room-policy';
import type { RoomScheduleEvent } from './room-schedule.events';

interface BookingBase {
  readonly bookingId: string;
  readonly start: IsoInstant;
  readonly end: IsoInstant;
  readonly organizerId: string;
  readonly version: number;
}

/** Title and meeting are kept only so that the confirmation can repeat them. */
export interface HeldBooking extends BookingBase {
  readonly status: 'held';
  readonly heldBy: string;
  readonly expiresAt: IsoInstant;
  readonly title: string;
  readonly meetingId?: string;
}
export interface ConfirmedBooking extends BookingBase {
  readonly status: 'confirmed';
}
/** Cancelled bookings and expired holds are kept (until pruned) for idempotent replies and versions. */
export interface CancelledBooking extends BookingBase {
  readonly status: 'cancelled';
}
export interface ExpiredHold extends BookingBase {
  readonly status: 'expired';
  readonly expiresAt: IsoInstant;
}
export type ScheduledBooking = HeldBooking | ConfirmedBooking | CancelledBooking | ExpiredHold;

export interface MaintenanceBlock {
  readonly blockId: string;
  readonly start: IsoInstant;
  readonly end: IsoInstant;
}

/** Plain objects and ISO strings only: a snapshot is `JSON.stringify(state)`. */
export interface KnownRoomSchedule {
  readonly roomId: string;
  readonly policy: RoomPolicy;
  readonly bookings: Readonly<Record<string, ScheduledBooking>>;
  readonly maintenance: Readonly<Record<string, MaintenanceBlock>>;
  /** The latest `occurredAt` seen; the only clock pruning uses. */
  readonly latestEventAt: IsoInstant;
}

export type ActiveRoomSchedule = KnownRoomSchedule & { readonly status: 'active' };
export type RetiredRoomSchedule = KnownRoomSchedule & { readonly status: 'retired' };
export type KnownRoom = ActiveRoomSchedule | RetiredRoomSchedule;
export type RoomScheduleState = { readonly status: 'unknown' } | KnownRoom;

export const initialState = (): RoomScheduleState => ({ status: 'unknown' });

/**
 * How long an entry is remembered after it ended, measured against the latest event (evolve)
 * or the later of that and `now` (decide). Decide ignores exactly what evolve may have pruned,
 * so a pruned state and a full one decide alike.
 */
export const RETENTION_MS = DAY_MS;

export const isForgotten = (
  entry: { readonly end: IsoInstant },
  room: KnownRoomSchedule,
  now: number,
): boolean => msOf(entry.end) < Math.max(now, msOf(room.latestEventAt)) - RETENTION_MS;

/** The record itself when every value is kept (the usual case: nothing to allocate), else a filtered copy. */
const keepWhere = <T>(
  record: Readonly<Record<string, T>>,
  keep: (value: T) => boolean,
): Readonly<Record<string, T>> => {
  for (const key in record) {
    if (!keep(record[key])) {
      return Object.fromEntries(Object.entries(record).filter(([, value]) => keep(value)));
    }
  }
  return record;
};

type Ending = { readonly end: IsoInstant };

/**
 * The earliest end among a record's entries, remembered per record object (a record is never changed
 * once built), so that pruning usually compares one number instead of reading every entry per event.
 */
const earliestEnds = new WeakMap<object, number>();

const earliestEnd = (record: Readonly<Record<string, Ending>>): number => {
  let earliest = earliestEnds.get(record);
  if (earliest === undefined) {
    earliest = Infinity;
    for (const key in record) earliest = Math.min(earliest, msOf(record[key].end));
    earliestEnds.set(record, earliest);
  }
  return earliest;
};

/** `{ ...record, [key]: entry }`, remembering its earliest end when the old one says it. */
const withEntry = <T extends Ending>(
  record: Readonly<Record<string, T>>,
  key: string,
  entry: T,
): Readonly<Record<string, T>> => {
  const next = { ...record, [key]: entry };
  const earliest = earliestEnds.get(record);
  const replaced = Object.hasOwn(record, key) ? record[key] : undefined;
  if (earliest !== undefined && (replaced === undefined || msOf(replaced.end) > earliest)) {
    earliestEnds.set(next, Math.min(earliest, msOf(entry.end)));
  }
  return next;
};

/** The entries that end at or after `horizon`: the record itself when that is all of them. */
const endingFrom = <T extends Ending>(
  record: Readonly<Record<string, T>>,
  horizon: number,
): Readonly<Record<string, T>> =>
  earliestEnd(record) >= horizon ? record : keepWhere(record, (entry) => msOf(entry.end) >= horizon);

const prune = <S extends KnownRoomSchedule>(room: S, retentionMs: number): S => {
  const horizon = msOf(room.latestEventAt) - retentionMs;
  const bookings = endingFrom(room.bookings, horizon);
  const maintenance = endingFrom(room.maintenance, horizon);
  return bookings === room.bookings && maintenance === room.maintenance
    ? room
    : { ...room, bookings, maintenance };
};

const withBooking = <S extends KnownRoomSchedule>(room: S, booking: ScheduledBooking): S => ({
  ...room,
  bookings: withEntry(room.bookings, booking.bookingId, booking),
});

const bookingFacts = ({ bookingId, start, end, organizerId, version }: BookingBase): BookingBase => ({
  bookingId,
  start,
  end,
  organizerId,
  version,
});

const applyToRoom = <S extends KnownRoomSchedule>(room: S, event: RoomScheduleEvent): S => {
  switch (event.type) {
    case 'RoomPolicyApplied':
    case 'SeriesOccurrencesSkipped':
      return room;
    case 'HoldPlaced': {
      const { bookingId, start, end, organizerId, version, heldBy, expiresAt, title, meetingId } = event.data;
      const held: HeldBooking = {
        bookingId,
        status: 'held',
        start,
        end,
        organizerId,
        version,
        heldBy,
        expiresAt,
        title,
      };
      return withBooking(room, meetingId === undefined ? held : { ...held, meetingId });
    }
    case 'BookingConfirmed':
    case 'BookingRescheduled':
      return withBooking(room, { ...bookingFacts(event.data), status: 'confirmed' });
    case 'BookingCancelled':
      return withBooking(room, { ...bookingFacts(event.data), status: 'cancelled' });
    case 'HoldExpired':
      return withBooking(room, {
        ...bookingFacts(event.data),
        status: 'expired',
        expiresAt: event.data.expiresAt,
      });
    case 'MaintenanceBlockPlaced': {
      const { blockId, start, end } = event.data;
      return { ...room, maintenance: withEntry(room.maintenance, blockId, { blockId, start, end }) };
    }
    case 'MaintenanceBlockLifted':
      return {
        ...room,
        maintenance: keepWhere(room.maintenance, (block) => block.blockId !== event.data.blockId),
      };
  }
};

/**
 * `evolve` with a chosen retention; `createEvolve(Infinity)` keeps everything, which tests use
 * to show that pruning never changes a decision.
 */
export const createEvolve =
  (retentionMs: number) =>
  (state: RoomScheduleState, event: RoomScheduleEvent): RoomScheduleState => {
    if (event.type === 'RoomPolicyApplied') {
      const { roomId, policy, occurredAt } = event.data;
      const known: KnownRoomSchedule =
        state.status === 'unknown'
          ? { roomId, policy, bookings: {}, maintenance: {}, latestEventAt: occurredAt }
          : { ...state, policy };
      const status = policy.retired ? ('retired' as const) : ('active' as const);
      return prune({ ...known, status, latestEventAt: latest(known, occurredAt) }, retentionMs);
    }
    // Only a policy makes a room known; decide writes nothing else before one.
    if (state.status === 'unknown') return state;
    const advanced = { ...state, latestEventAt: latest(state, event.data.occurredAt) };
    return prune(applyToRoom(advanced, event), retentionMs);
  };

const latest = (room: { readonly latestEventAt: IsoInstant }, occurredAt: IsoInstant): IsoInstant =>
  msOf(occurredAt) > msOf(room.latestEventAt) ? occurredAt : room.latestEventAt;

export const evolve = createEvolve(RETENTION_MS);
