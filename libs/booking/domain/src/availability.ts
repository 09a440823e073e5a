import { DAY_MS, MINUTE_MS, parseInstant, type IsoInstant } from './instants';
import { ValidationFailed, type TimeSpan } from './errors';
import { clip, merge, subtract } from './intervals';
import { openSpans } from './opening-hours';
import {
  activeBlocks,
  conflictsOf,
  fullyTaken,
  intervalOf,
  requireKnownRoom,
  requireSlot,
  spanOf,
} from './room-schedule.rules';
import type { RoomScheduleState } from './room-schedule.state';

export interface AvailabilityQuery {
  readonly from: IsoInstant;
  readonly to: IsoInstant;
  /** Free slots shorter than this (or than the room's minimum duration) are left out. */
  readonly minDurationMinutes: number;
  /** Holds count only if they have not expired at `now`; free time starts no earlier than `now` + notice. */
  readonly now: IsoInstant;
}

export interface Availability {
  /** Where the room has no seat left or is under maintenance, buffers applied, merged, within [from, to). */
  readonly busy: readonly TimeSpan[];
  /**
   * Maximal intervals in which any booking of at least the minimum duration would be accepted by
   * `decide` as far as time goes: open hours, no closure, notice, seats and maintenance with the
   * new booking's own buffers. A slot is listed if its start lies within the booking window; it may
   * run past it. Maximum duration is not applied (it limits bookings, not free time). A retired room
   * has no free time.
   */
  readonly free: readonly TimeSpan[];
}

/** A query spans at most this much (the booking window is rarely longer). */
export const MAX_AVAILABILITY_DAYS = 366;

const requireNow = (value: unknown): number => {
  const now = parseInstant(value);
  if (now === undefined) throw new ValidationFailed('now', 'an instant with an offset');
  return now;
};

export const availability = (state: RoomScheduleState, query: AvailabilityQuery): Availability => {
  const room = requireKnownRoom(state);
  const window = requireSlot({ start: query.from, end: query.to });
  if (window.end - window.start > MAX_AVAILABILITY_DAYS * DAY_MS)
    throw new ValidationFailed('to', `at most ${MAX_AVAILABILITY_DAYS} days after from`);
  const now = requireNow(query.now);
  if (!Number.isInteger(query.minDurationMinutes) || query.minDurationMinutes < 0)
    throw new ValidationFailed('minDurationMinutes', 'a non-negative integer');
  const { policy } = room;
  const busy = merge([...fullyTaken(room, now), ...activeBlocks(room, now).map(intervalOf)]);
  const busyInWindow = busy.flatMap((interval) => clip(interval, window) ?? []);
  if (room.status === 'retired') return { busy: busyInWindow.map(spanOf), free: [] };

  const earliest = now + policy.minNoticeMinutes * MINUTE_MS;
  const bookable = clip(window, { start: earliest, end: Infinity });
  // A booking [s, e) occupies [s - before, e + after): it must stay that far from anything busy.
  const keepAway = busy.map((interval) => ({
    start: interval.start - policy.bufferAfterMinutes * MINUTE_MS,
    end: interval.end + policy.bufferBeforeMinutes * MINUTE_MS,
  }));
  const minimum = Math.max(query.minDurationMinutes, policy.minDurationMinutes, 1) * MINUTE_MS;
  const latestStart = policy.bookingWindowDays === null ? Infinity : now + policy.bookingWindowDays * DAY_MS;
  const free = bookable
    ? subtract(
        openSpans(policy, bookable).flatMap((span) => clip(span, bookable) ?? []),
        keepAway,
      ).filter((slot) => slot.end - slot.start >= minimum && slot.start <= latestStart)
    : [];
  return { busy: busyInWindow.map(spanOf), free: free.map(spanOf) };
};

export interface ConflictQuery {
  readonly start: IsoInstant;
  readonly end: IsoInstant;
  readonly now: IsoInstant;
  /** A booking being rescheduled does not conflict with itself. */
  readonly excludingBookingId?: string;
}

/** The busy intervals (buffers applied) that a booking of [start, end) would run into; maintenance not included. */
export const findConflicts = (state: RoomScheduleState, query: ConflictQuery): TimeSpan[] => {
  const room = requireKnownRoom(state);
  const slot = requireSlot(query);
  const now = requireNow(query.now);
  return merge(conflictsOf(room, slot, now, { excluding: query.excludingBookingId })).map(spanOf);
};
