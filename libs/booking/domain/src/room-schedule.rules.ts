import {
  AlreadyExists,
  Forbidden,
  NotFound,
  RoomNotKnown,
  RoomRetired,
  SlotTaken,
  UnderMaintenance,
  ValidationFailed,
  VersionMismatch,
  type TimeSpan,
} from './errors';
import { endAt, forEachReaching, intervalIndex, startAt } from './booking-index';
import { MINUTE_MS, isoOf, msOf, parseInstant, type IsoInstant } from './instants';
import { merge, overlaps, saturated, type Interval } from './intervals';
import { checkSlotPolicy, occupied, type SlotChecks } from './room-policy';
import type { Actor, CommandMetadata } from './room-schedule.commands';
import {
  isForgotten,
  type ActiveRoomSchedule,
  type KnownRoom,
  type KnownRoomSchedule,
  type MaintenanceBlock,
  type RoomScheduleState,
  type ScheduledBooking,
} from './room-schedule.state';

/** The rules every RoomSchedule decision shares: context, lookups, authorization, occupancy. */

export interface DecisionContext {
  readonly now: number;
  /** `now` in canonical UTC form; every event of the decision carries it. */
  readonly occurredAt: IsoInstant;
  readonly actor: Actor;
}

export const contextOf = (metadata: CommandMetadata): DecisionContext => {
  const now = parseInstant(metadata?.now);
  if (now === undefined) throw new ValidationFailed('metadata.now', 'an instant with an offset');
  if (typeof metadata.actor?.userId !== 'string' || !Array.isArray(metadata.actor.roles))
    throw new ValidationFailed('metadata.actor', 'userId and roles');
  return { now, occurredAt: isoOf(now), actor: metadata.actor };
};

export const requireId = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || value === '') throw new ValidationFailed(field, 'a non-empty id');
  return value;
};

export const requireTitle = (value: unknown): string => {
  if (typeof value !== 'string') throw new ValidationFailed('title', 'a string');
  return requirePlainText(value, 'title');
};

/** Text people write has no control characters (and PostgreSQL's jsonb cannot store a NUL at all). */
export const requirePlainText = (value: string, field: string): string => {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/u.test(value)) {
    throw new ValidationFailed(field, 'no control characters');
  }
  return value;
};

/**
 * The longest interval one decision covers (a booking, a hold, a maintenance block): a year and a day.
 * Longer ones make no sense for a room, and checking them (opening hours, alternatives) costs time in
 * proportion to their length, which a caller could otherwise spend for everyone else.
 */
export const MAX_SLOT_MS = 366 * 86_400_000;

/** A requested interval in epoch ms: both ends instants with an offset, end after start, at most {@link MAX_SLOT_MS}. */
export const requireSlot = (
  value: { readonly start: unknown; readonly end: unknown },
  field = '',
): Interval => {
  const start = parseInstant(value.start);
  const end = parseInstant(value.end);
  if (start === undefined) throw new ValidationFailed(`${field}start`, 'an instant with an offset');
  if (end === undefined) throw new ValidationFailed(`${field}end`, 'an instant with an offset');
  if (end <= start) throw new ValidationFailed(`${field}end`, 'after start');
  if (end - start > MAX_SLOT_MS) throw new ValidationFailed(`${field}end`, 'at most 366 days after start');
  return { start, end };
};

export const spanOf = (interval: Interval): TimeSpan => ({
  start: isoOf(interval.start),
  end: isoOf(interval.end),
});
export const intervalOf = (span: TimeSpan): Interval => ({ start: msOf(span.start), end: msOf(span.end) });

export const requireKnownRoom = (state: RoomScheduleState): KnownRoom => {
  if (state.status === 'unknown') throw new RoomNotKnown();
  return state;
};

export const requireOpenRoom = (room: KnownRoom): ActiveRoomSchedule => {
  if (room.status === 'retired') throw new RoomRetired('the room is retired');
  return room;
};

export const isAdmin = (actor: Actor): boolean => actor.roles.includes('admin');

export const requireAdmin = (actor: Actor, what: string): void => {
  if (!isAdmin(actor)) throw new Forbidden(`only an admin may ${what}`);
};

/** The organizer of a new booking: the actor, or anyone when the actor is an admin. */
export const organizerFor = (actor: Actor, organizerId: string | undefined): string => {
  const organizer = organizerId ?? actor.userId;
  if (organizer !== actor.userId && !isAdmin(actor))
    throw new Forbidden('only an admin may book for someone else');
  return organizer;
};

export const requireOrganizerOrAdmin = (actor: Actor, booking: ScheduledBooking, what: string): void => {
  if (booking.organizerId !== actor.userId && !isAdmin(actor))
    throw new Forbidden(`only the organizer or an admin may ${what}`);
};

export const findBooking = (
  room: KnownRoomSchedule,
  bookingId: string,
  now: number,
): ScheduledBooking | undefined => {
  const booking = room.bookings.get(bookingId);
  return booking && !isForgotten(booking, room, now) ? booking : undefined;
};

export const requireBooking = (room: KnownRoomSchedule, bookingId: string, now: number): ScheduledBooking => {
  const booking = findBooking(room, bookingId, now);
  if (!booking) throw new NotFound('booking', bookingId);
  return booking;
};

export const findBlock = (
  room: KnownRoomSchedule,
  blockId: string,
  now: number,
): MaintenanceBlock | undefined => {
  const block = room.maintenance.get(blockId);
  return block && !isForgotten(block, room, now) ? block : undefined;
};

export const requireUnusedIds = (
  room: KnownRoomSchedule,
  bookingIds: readonly string[],
  now: number,
): void => {
  const used = bookingIds.find((id) => findBooking(room, id, now));
  if (used !== undefined) throw new AlreadyExists(used);
};

/** `If-Match`: compared with the booking's own version, not the stream's revision. */
export const requireVersion = (booking: ScheduledBooking, expectedVersion: number | undefined): void => {
  if (expectedVersion !== undefined && expectedVersion !== booking.version)
    throw new VersionMismatch(booking.bookingId, expectedVersion, booking.version);
};

/** A confirmed booking or a hold that has not expired at `now`: what takes a seat. */
const isLive = (booking: ScheduledBooking, room: KnownRoomSchedule, now: number): boolean =>
  !isForgotten(booking, room, now) &&
  (booking.status === 'confirmed' || (booking.status === 'held' && msOf(booking.expiresAt) > now));

/** Confirmed bookings and holds that have not expired at `now`: what takes a seat. */
export const liveBookings = (room: KnownRoomSchedule, now: number): ScheduledBooking[] => {
  const live: ScheduledBooking[] = [];
  for (const booking of room.bookings.values()) if (isLive(booking, room, now)) live.push(booking);
  return live;
};

export interface OccupancyOptions {
  /** A booking being rescheduled does not conflict with itself. */
  readonly excluding?: string;
  /** Entries decided earlier in the same decision (a series' accepted occurrences), raw intervals. */
  readonly alsoTaken?: readonly Interval[];
}

/** Where the room has no seat left at `now`, buffers applied: for one seat, the union of live entries. */
export const fullyTaken = (
  room: KnownRoomSchedule,
  now: number,
  options: OccupancyOptions = {},
): Interval[] =>
  saturated(
    [
      ...liveBookings(room, now)
        .filter((booking) => booking.bookingId !== options.excluding)
        .map(intervalOf),
      ...(options.alsoTaken ?? []),
    ].map((interval) => occupied(room.policy, interval)),
    room.policy.seats,
  );

export const activeBlocks = (room: KnownRoomSchedule, now: number): MaintenanceBlock[] => {
  const active: MaintenanceBlock[] = [];
  for (const block of room.maintenance.values()) if (!isForgotten(block, room, now)) active.push(block);
  return active;
};

/** The busy intervals a slot (plus its buffers) would run into. */
export const conflictsOf = (
  room: KnownRoomSchedule,
  slot: Interval,
  now: number,
  options: OccupancyOptions = {},
): Interval[] => {
  const needed = occupied(room.policy, slot);
  // Inside `needed` only the entries overlapping it count, so they alone decide whether there is a
  // conflict: one pass, no sweep over the whole schedule. Describing a conflict (busy intervals may reach
  // beyond the slot) takes every entry, which only a refusal pays for.
  const near = saturated(occupiedOverlapping(room, needed, now, options), room.policy.seats);
  if (!near.some((busy) => overlaps(busy, needed))) return [];
  return fullyTaken(room, now, options).filter((busy) => overlaps(busy, needed));
};

/** The occupied intervals (buffers applied) of live entries that overlap `needed`. */
const occupiedOverlapping = (
  room: KnownRoomSchedule,
  needed: Interval,
  now: number,
  options: OccupancyOptions,
): Interval[] => {
  // `taken` (an entry widened by the buffers) can overlap `needed` only if the entry reaches into
  // `needed` widened the other way round.
  const reach = {
    start: needed.start - room.policy.bufferAfterMinutes * MINUTE_MS,
    end: needed.end + room.policy.bufferBeforeMinutes * MINUTE_MS,
  };
  const result: Interval[] = [];
  // Most entries are nowhere near the slot: the index (sorted by start, memoised per map) yields only
  // those that reach into `reach` (the first two conditions of `overlaps(taken, needed)`, rearranged),
  // without reading the others. The order of `result` is free: `saturated` sorts it.
  const index = intervalIndex(room.bookings);
  forEachReaching(index, reach, (position) => {
    const booking = index.entries[position];
    if (booking.bookingId === options.excluding) return;
    const taken = occupied(room.policy, { start: startAt(index, position), end: endAt(index, position) });
    if (overlaps(taken, needed) && isLive(booking, room, now)) result.push(taken);
  });
  for (const interval of options.alsoTaken ?? []) {
    const taken = occupied(room.policy, interval);
    if (overlaps(taken, needed)) result.push(taken);
  }
  return result;
};

export const checkNotUnderMaintenance = (room: KnownRoomSchedule, slot: Interval, now: number): void => {
  const needed = occupied(room.policy, slot);
  const block = activeBlocks(room, now).find((candidate) => overlaps(intervalOf(candidate), needed));
  if (block)
    throw new UnderMaintenance(`maintenance ${block.blockId} ${block.start}/${block.end}`, spanOf(slot));
};

/** Every rule for putting a slot in the schedule: policy, maintenance, then seats. */
export const checkPlacement = (
  room: ActiveRoomSchedule,
  slot: Interval,
  now: number,
  options: OccupancyOptions & { readonly checks?: SlotChecks } = {},
): void => {
  checkSlotPolicy(room.policy, slot, now, options.checks);
  checkNotUnderMaintenance(room, slot, now);
  const conflicts = conflictsOf(room, slot, now, options);
  if (conflicts.length > 0) throw new SlotTaken(merge(conflicts).map(spanOf));
};

/** Leaves optional fields out instead of writing `undefined`, so events serialize and compare cleanly. */
export const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
