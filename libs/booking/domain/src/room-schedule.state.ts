import { OrderedMap } from 'immutable';
import { carryIndex, endingFromIndex, withInterval, type Spanning } from './booking-index';
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

/**
 * Entries are kept by id in Immutable `OrderedMap`s (persistent, structurally shared): `evolve` derives
 * a changed map per event in O(log n) instead of copying every entry, and every earlier state keeps the
 * map it had. Like a JS Map they keep insertion order (replacing an entry keeps its place), which the
 * snapshot order relies on. An OrderedMap is not JSON (`JSON.stringify` writes a plain object that
 * reads back as no map), so a snapshot is {@link toRoomScheduleSnapshot} and
 * {@link fromRoomScheduleSnapshot}, never `JSON.stringify(state)`; everything else in the state is plain
 * objects and ISO strings.
 */
export interface KnownRoomSchedule {
  readonly roomId: string;
  readonly policy: RoomPolicy;
  /** By `bookingId`. Immutable: `evolve` publishes a changed map sharing the unchanged part. */
  readonly bookings: OrderedMap<string, ScheduledBooking>;
  /** By `blockId`, likewise. */
  readonly maintenance: OrderedMap<string, MaintenanceBlock>;
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

/**
 * The map itself when every value is kept (the usual case: nothing to allocate), else a filtered copy.
 * Checked first because `filter` allocates a new map even when it keeps everything.
 */
const keepWhere = <T>(entries: OrderedMap<string, T>, keep: (value: T) => boolean): OrderedMap<string, T> => {
  for (const value of entries.values()) {
    if (!keep(value)) return entries.filter((kept) => keep(kept));
  }
  return entries;
};

type Ending = { readonly end: IsoInstant };

/**
 * The earliest end among a map's entries, remembered per map object (a map is never changed once
 * published), so that pruning usually compares one number instead of reading every entry per event.
 */
const earliestEnds = new WeakMap<OrderedMap<string, Ending>, number>();

const earliestEnd = (entries: OrderedMap<string, Ending>): number => {
  let earliest = earliestEnds.get(entries);
  if (earliest === undefined) {
    earliest = Infinity;
    for (const entry of entries.values()) earliest = Math.min(earliest, msOf(entry.end));
    earliestEnds.set(entries, earliest);
  }
  return earliest;
};

/**
 * `entries` with `entry` at `key` (a replaced entry keeps its place), remembering its earliest end when
 * the old map says it, and carrying over its interval index (conflict checks search it) when the old one
 * has one. O(log n): the new map shares all but a path with `entries`, which stays as every earlier
 * state knows it.
 */
const withEntry = <T extends Spanning>(
  entries: OrderedMap<string, T>,
  key: string,
  entry: T,
): OrderedMap<string, T> => {
  const next = entries.set(key, entry);
  const earliest = earliestEnds.get(entries);
  const replaced = entries.get(key);
  if (earliest !== undefined && (replaced === undefined || msOf(replaced.end) > earliest)) {
    earliestEnds.set(next, Math.min(earliest, msOf(entry.end)));
  }
  carryIndex(entries, next, (index) => withInterval(index, replaced, entry));
  return next;
};

/** `entries` without `key`; the map itself when there is no such entry. Memos as in {@link withEntry}. */
const withoutEntry = <T extends Spanning>(
  entries: OrderedMap<string, T>,
  key: string,
): OrderedMap<string, T> => {
  const removed = entries.get(key);
  if (removed === undefined) return entries;
  const next = entries.delete(key);
  const earliest = earliestEnds.get(entries);
  if (earliest !== undefined && msOf(removed.end) > earliest) earliestEnds.set(next, earliest);
  carryIndex(entries, next, (index) => withInterval(index, removed, undefined));
  return next;
};

/**
 * The entries that end at or after `horizon`: the map itself when that is all of them. A busy room
 * prunes an entry every few events, so the interval index is filtered along rather than rebuilt.
 */
const endingFrom = <T extends Spanning>(
  entries: OrderedMap<string, T>,
  horizon: number,
): OrderedMap<string, T> => {
  if (earliestEnd(entries) >= horizon) return entries;
  const kept = keepWhere(entries, (entry) => msOf(entry.end) >= horizon);
  if (kept !== entries) carryIndex(entries, kept, (index) => endingFromIndex(index, horizon));
  return kept;
};

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
      return { ...room, maintenance: withoutEntry(room.maintenance, event.data.blockId) };
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
          ? { roomId, policy, bookings: OrderedMap(), maintenance: OrderedMap(), latestEventAt: occurredAt }
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

/** A known room with its maps written as arrays; other states as they are. */
type Encoded<S> = S extends KnownRoomSchedule
  ? Omit<S, 'bookings' | 'maintenance'> & {
      readonly bookings: readonly ScheduledBooking[];
      readonly maintenance: readonly MaintenanceBlock[];
    }
  : S;

/**
 * A room schedule as JSON holds it: bookings and maintenance blocks as arrays in the maps' order (each
 * entry carries its own id, the key it is read back under). `JSON.stringify` of an OrderedMap is a plain
 * object that reads back as no map, so snapshots are written with {@link toRoomScheduleSnapshot} and read
 * with {@link fromRoomScheduleSnapshot}.
 */
export type RoomScheduleSnapshot = Encoded<RoomScheduleState>;

export const toRoomScheduleSnapshot = (state: RoomScheduleState): RoomScheduleSnapshot =>
  state.status === 'unknown'
    ? state
    : { ...state, bookings: [...state.bookings.values()], maintenance: [...state.maintenance.values()] };

/** The state {@link toRoomScheduleSnapshot} wrote, after a round trip through JSON: it decides alike. */
export const fromRoomScheduleSnapshot = (snapshot: RoomScheduleSnapshot): RoomScheduleState =>
  snapshot.status === 'unknown'
    ? snapshot
    : {
        ...snapshot,
        bookings: OrderedMap(snapshot.bookings.map((booking) => [booking.bookingId, booking])),
        maintenance: OrderedMap(snapshot.maintenance.map((block) => [block.blockId, block])),
      };
