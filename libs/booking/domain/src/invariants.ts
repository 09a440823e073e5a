import { DAY_MS, MINUTE_MS, msOf, type IsoInstant } from './instants';
import type { RoomScheduleEvent } from './room-schedule.events';
import { RETENTION_MS } from './room-schedule.state';

export type ViolationKind = 'overlap' | 'over_capacity' | 'under_maintenance';

export interface ViolatingEntry {
  /** A booking id, or a maintenance block id. */
  readonly id: string;
  readonly start: IsoInstant;
  readonly end: IsoInstant;
}

export interface ScheduleViolation {
  readonly roomId: string;
  /** `overlap` in a one-seat room, `over_capacity` in a shared one, `under_maintenance` for blocks. */
  readonly kind: ViolationKind;
  /** The `occurredAt` of the event that introduced it. */
  readonly at: IsoInstant;
  /** That event's index in the checked list (its stream revision when the whole stream was read). */
  readonly eventIndex: number;
  /** The entry the event created or changed first, then the ones it collides with, by time. */
  readonly entries: readonly ViolatingEntry[];
}

interface Span {
  readonly start: number;
  readonly end: number;
}

interface Entry extends Span {
  readonly id: string;
  readonly startIso: IsoInstant;
  readonly endIso: IsoInstant;
}

interface Booking extends Entry {
  /** Infinity for a confirmed booking. */
  readonly expiresAt: number;
}

interface Occupancy {
  readonly seats: number;
  readonly beforeMs: number;
  readonly afterMs: number;
}

/**
 * Entries by id and by the days their own time touches, so that a check reads only the entries
 * near the time in question: a busy room's history checks in linear time, not quadratic.
 */
class EntriesByDay<E extends Entry> {
  /** Longer entries are rare; every check looks at them instead of filing them under each day. */
  private static readonly MAX_FILED_DAYS = 31;
  private readonly byId = new Map<string, E>();
  private readonly byDay = new Map<number, Map<string, E>>();
  private readonly long = new Map<string, E>();

  get(id: string): E | undefined {
    return this.byId.get(id);
  }

  set(entry: E): void {
    this.delete(entry.id);
    this.byId.set(entry.id, entry);
    const { first, last } = daysOf(entry);
    if (last - first >= EntriesByDay.MAX_FILED_DAYS) this.long.set(entry.id, entry);
    else
      for (let day = first; day <= last; day += 1) {
        const filed = this.byDay.get(day) ?? new Map<string, E>();
        this.byDay.set(day, filed.set(entry.id, entry));
      }
  }

  delete(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    if (this.long.delete(id)) return;
    const { first, last } = daysOf(entry);
    for (let day = first; day <= last; day += 1) this.byDay.get(day)?.delete(id);
  }

  /** Every entry whose own time meets `span`, among a few others near it. */
  near(span: Span): E[] {
    const { first, last } = daysOf(span);
    const found = new Set<E>(this.long.values());
    const add = (filed: Map<string, E> | undefined) => filed?.forEach((entry) => found.add(entry));
    if (last - first < this.byDay.size) for (let day = first; day <= last; day += 1) add(this.byDay.get(day));
    else this.byDay.forEach((filed, day) => first <= day && day <= last && add(filed));
    return [...found];
  }
}

/** The first and last day (since the epoch, UTC) a span touches; first > last for an empty one. */
const daysOf = ({ start, end }: Span): { first: number; last: number } =>
  start < end
    ? { first: Math.floor(start / DAY_MS), last: Math.floor((end - 1) / DAY_MS) }
    : { first: 0, last: -1 };

interface RoomModel {
  occupancy: Occupancy;
  /** The latest `occurredAt` seen: entries that ended a retention before it are forgotten. */
  latest: number;
  /** Confirmed bookings and holds; cancelled bookings and expired holds leave. */
  readonly bookings: EntriesByDay<Booking>;
  readonly blocks: EntriesByDay<Entry>;
}

/** Before any policy the strictest reading: one seat, no buffers. */
const NO_POLICY: Occupancy = { seats: 1, beforeMs: 0, afterMs: 0 };

/**
 * A second opinion on a room's stored history: replays one `roomSchedule-<roomId>` stream with its
 * own brute-force model (not the decider's evolve, decide or rules) and reports every event that
 * put more entries at one instant than the room has seats, or a booking under maintenance.
 *
 * What the model holds, mirroring the decider's documented semantics:
 * - Active at the event's `occurredAt` (the decision's now): confirmed bookings and holds whose
 *   `expiresAt` is later. An entry occupies [start - bufferBefore, end + bufferAfter) under the
 *   policy in force.
 * - Maintenance: `room-schedule.rules.ts` (`checkNotUnderMaintenance`) and `decide-maintenance.ts`
 *   compare a booking's span *with* its buffers against the block's own span: a block has no
 *   buffers, and takes the whole room whatever its seats. The same here.
 * - Only what an event introduces is its fault: for a booking, the part of its occupied span it
 *   did not already hold when the event came (all of it for a new booking, nothing for confirming
 *   a live hold, the new ground for a reschedule). A policy that later raises buffers or lowers
 *   seats governs the decisions that follow and never rewrites the bookings made before it, so
 *   the conflicts it creates alone are not violations.
 * - The past is kept as long as the schedule keeps it: an entry that ended more than
 *   `RETENTION_MS` before the latest event no longer counts, as the decider forgets it too.
 */
export const checkScheduleInvariants = (events: readonly RoomScheduleEvent[]): ScheduleViolation[] => {
  const room: RoomModel = {
    occupancy: NO_POLICY,
    latest: -Infinity,
    bookings: new EntriesByDay(),
    blocks: new EntriesByDay(),
  };
  const violations: ScheduleViolation[] = [];
  // A forced block is written before the cancellations it causes: judge it once they are applied.
  let pendingBlock: number | undefined;

  events.forEach((event, index) => {
    if (pendingBlock !== undefined && !cancelledFor(event, events[pendingBlock])) {
      violations.push(...blockViolations(room, events, pendingBlock));
      pendingBlock = undefined;
    }
    const now = msOf(event.data.occurredAt);
    if (Number.isFinite(now)) room.latest = Math.max(room.latest, now);
    switch (event.type) {
      case 'RoomPolicyApplied': {
        const { seats, bufferBeforeMinutes, bufferAfterMinutes } = event.data.policy;
        room.occupancy = {
          seats,
          beforeMs: bufferBeforeMinutes * MINUTE_MS,
          afterMs: bufferAfterMinutes * MINUTE_MS,
        };
        return;
      }
      case 'HoldPlaced':
      case 'BookingConfirmed':
      case 'BookingRescheduled': {
        const { bookingId, start, end } = event.data;
        const before = room.bookings.get(bookingId);
        const after: Booking = {
          ...entryOf(bookingId, start, end),
          expiresAt: event.type === 'HoldPlaced' ? msOf(event.data.expiresAt) : Infinity,
        };
        room.bookings.set(after);
        violations.push(...bookingViolations(room, before, after, now, event, index));
        return;
      }
      case 'BookingCancelled':
      case 'HoldExpired':
        room.bookings.delete(event.data.bookingId);
        return;
      case 'MaintenanceBlockPlaced':
        room.blocks.set(entryOf(event.data.blockId, event.data.start, event.data.end));
        pendingBlock = index;
        return;
      case 'MaintenanceBlockLifted':
        room.blocks.delete(event.data.blockId);
        return;
      case 'SeriesOccurrencesSkipped':
        return;
      default: {
        // A type this checker does not know yet takes nothing: a stored stream may be newer than it.
        const unknown: never = event;
        return unknown;
      }
    }
  });
  if (pendingBlock !== undefined) violations.push(...blockViolations(room, events, pendingBlock));
  return violations;
};

const entryOf = (id: string, start: IsoInstant, end: IsoInstant): Entry => ({
  id,
  start: msOf(start),
  end: msOf(end),
  startIso: start,
  endIso: end,
});

const cancelledFor = (event: RoomScheduleEvent, placed: RoomScheduleEvent): boolean =>
  event.type === 'BookingCancelled' &&
  placed.type === 'MaintenanceBlockPlaced' &&
  event.data.maintenanceBlockId === placed.data.blockId;

const remembered = (room: RoomModel, entry: Entry): boolean => entry.end >= room.latest - RETENTION_MS;

const isActive = (room: RoomModel, booking: Booking, now: number): boolean =>
  booking.expiresAt > now && remembered(room, booking);

const occupiedBy = ({ beforeMs, afterMs }: Occupancy, booking: Span): Span => ({
  start: booking.start - beforeMs,
  end: booking.end + afterMs,
});

/** Where a booking's own time must lie for its occupied span to meet `span`. */
const whoseOccupiedMeets = ({ beforeMs, afterMs }: Occupancy, span: Span): Span => ({
  start: span.start - afterMs,
  end: span.end + beforeMs,
});

const meet = (a: Span, b: Span): boolean =>
  a.start < a.end && b.start < b.end && a.start < b.end && b.start < a.end;

/** `span` minus `held`: the ground an entry did not cover before (0, 1 or 2 pieces). */
const newGround = (span: Span, held: Span | undefined): Span[] => {
  if (held === undefined || held.start >= held.end) return [span];
  return [
    { start: span.start, end: Math.min(span.end, held.start) },
    { start: Math.max(span.start, held.end), end: span.end },
  ].filter((piece) => piece.start < piece.end);
};

const reported = ({ id, startIso, endIso }: Entry): ViolatingEntry => ({ id, start: startIso, end: endIso });

const violation = (
  kind: ViolationKind,
  event: RoomScheduleEvent,
  eventIndex: number,
  entries: readonly Entry[],
): ScheduleViolation => ({
  roomId: event.data.roomId,
  kind,
  at: event.data.occurredAt,
  eventIndex,
  entries: [entries[0], ...entries.slice(1).sort(byTime)].map(reported),
});

const byTime = (a: Entry, b: Entry): number => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : 1);

/** The booking an event created or changed, against the other active bookings and the blocks. */
const bookingViolations = (
  room: RoomModel,
  before: Booking | undefined,
  after: Booking,
  now: number,
  event: RoomScheduleEvent,
  index: number,
): ScheduleViolation[] => {
  if (!isActive(room, after, now)) return [];
  const { occupancy } = room;
  const held = before && isActive(room, before, now) ? occupiedBy(occupancy, before) : undefined;
  const occupied = occupiedBy(occupancy, after);
  const ground = newGround(occupied, held);
  if (ground.length === 0) return [];

  const others = room.bookings
    .near(whoseOccupiedMeets(occupancy, occupied))
    .filter((other) => other.id !== after.id && isActive(room, other, now))
    .map((other) => ({ other, span: occupiedBy(occupancy, other) }))
    .filter(({ span }) => ground.some((piece) => meet(span, piece)));
  // Brute force: the most entries at once over a piece is reached at its start or at another's start.
  const crowd = new Set<Booking>();
  for (const piece of ground) {
    const instants = [piece.start, ...others.map(({ span }) => span.start)].filter(
      (instant) => piece.start <= instant && instant < piece.end,
    );
    for (const instant of instants) {
      const there = others.filter(({ span }) => span.start <= instant && instant < span.end);
      if (there.length + 1 > occupancy.seats) there.forEach(({ other }) => crowd.add(other));
    }
  }
  const blocks = room.blocks
    .near(occupied)
    .filter((block) => remembered(room, block) && ground.some((piece) => meet(block, piece)));
  return [
    ...(crowd.size > 0
      ? [violation(occupancy.seats === 1 ? 'overlap' : 'over_capacity', event, index, [after, ...crowd])]
      : []),
    ...(blocks.length > 0 ? [violation('under_maintenance', event, index, [after, ...blocks])] : []),
  ];
};

/** A new block against the bookings still active once the cancellations it forced are applied. */
const blockViolations = (
  room: RoomModel,
  events: readonly RoomScheduleEvent[],
  index: number,
): ScheduleViolation[] => {
  const placed = events[index];
  if (placed.type !== 'MaintenanceBlockPlaced') return [];
  const block = room.blocks.get(placed.data.blockId);
  if (!block || !remembered(room, block)) return [];
  const now = msOf(placed.data.occurredAt);
  const under = room.bookings
    .near(whoseOccupiedMeets(room.occupancy, block))
    .filter((booking) => isActive(room, booking, now) && meet(occupiedBy(room.occupancy, booking), block));
  return under.length > 0 ? [violation('under_maintenance', placed, index, [block, ...under])] : [];
};
