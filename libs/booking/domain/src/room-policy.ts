import { Temporal } from 'temporal-polyfill';
import { BeyondWindow, TooLong, TooShort, TooSoon, ValidationFailed, OutsideOpeningHours } from './errors';
import { DAY_MS, MINUTE_MS, isoOf } from './instants';
import type { Interval } from './intervals';
import { WEEKDAYS, liesWithinOpeningHours, type OpeningRules } from './opening-hours';

/** The room's policy as replicated from the room service, every field explicit (JSON-friendly). */
export interface RoomPolicy extends OpeningRules {
  readonly capacity: number;
  /** 1 for an ordinary room; more for a shared room where that many entries may run at once. */
  readonly seats: number;
  readonly minDurationMinutes: number;
  readonly maxDurationMinutes: number | null;
  readonly bookingWindowDays: number | null;
  readonly minNoticeMinutes: number;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  readonly retired: boolean;
}

/** What `ApplyRoomPolicy` accepts: capacity and time zone are required, the rest has neutral defaults. */
export type RoomPolicyInput = Pick<RoomPolicy, 'capacity' | 'timeZone'> & Partial<RoomPolicy>;

/** Buffers are capped so that pruning (24 h after an entry ended) can never drop something a buffer still needs. */
export const MAX_BUFFER_MINUTES = 12 * 60;

const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const isTime = (value: unknown): value is string => typeof value === 'string' && TIME.test(value);
const isClosingTime = (value: unknown): value is string => value === '24:00' || isTime(value);

const requireThat = (ok: boolean, field: string, message: string) => {
  if (!ok) throw new ValidationFailed(field, message);
};
const isCount = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min;

/** An IANA name (`Europe/Berlin`, `UTC`); fixed offsets such as `+01:00` have no DST and are refused. */
const isTimeZone = (zone: unknown): zone is string => {
  if (typeof zone !== 'string' || !/^[A-Za-z]/.test(zone)) return false;
  try {
    Temporal.PlainDate.from('2026-01-01').toZonedDateTime(zone);
    return true;
  } catch {
    return false;
  }
};

const isLocalDate = (value: unknown): value is string => {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  try {
    Temporal.PlainDate.from(value, { overflow: 'reject' });
    return true;
  } catch {
    return false;
  }
};

/** Applies defaults and validates; throws `ValidationFailed` naming the first bad field. */
export const normalizeRoomPolicy = (input: RoomPolicyInput): RoomPolicy => {
  const policy: RoomPolicy = {
    capacity: input.capacity,
    seats: input.seats ?? 1,
    timeZone: input.timeZone,
    openingHours: input.openingHours ?? [],
    closures: input.closures ?? [],
    minDurationMinutes: input.minDurationMinutes ?? 0,
    maxDurationMinutes: input.maxDurationMinutes ?? null,
    bookingWindowDays: input.bookingWindowDays ?? null,
    minNoticeMinutes: input.minNoticeMinutes ?? 0,
    bufferBeforeMinutes: input.bufferBeforeMinutes ?? 0,
    bufferAfterMinutes: input.bufferAfterMinutes ?? 0,
    retired: input.retired ?? false,
  };
  requireThat(Array.isArray(policy.openingHours), 'policy.openingHours', 'an array');
  requireThat(Array.isArray(policy.closures), 'policy.closures', 'an array');
  requireThat(isCount(policy.capacity, 1), 'policy.capacity', 'a positive integer');
  requireThat(isCount(policy.seats, 1), 'policy.seats', 'a positive integer');
  requireThat(isTimeZone(policy.timeZone), 'policy.timeZone', 'an IANA time zone');
  policy.openingHours.forEach((span, i) => {
    const field = `policy.openingHours[${i}]`;
    requireThat(WEEKDAYS.includes(span.weekday), field, 'weekday is one of mon..sun');
    requireThat(isTime(span.opens) && isClosingTime(span.closes), field, 'opens/closes are HH:MM');
  });
  policy.closures.forEach((closure, i) => {
    const field = `policy.closures[${i}]`;
    requireThat(isLocalDate(closure.date), field, 'date is YYYY-MM-DD');
    const partial = closure.from !== undefined || closure.to !== undefined;
    requireThat(
      !partial || (isTime(closure.from) && isClosingTime(closure.to) && closure.from < closure.to),
      field,
      'from < to, both HH:MM',
    );
  });
  requireThat(isCount(policy.minDurationMinutes, 0), 'policy.minDurationMinutes', 'a non-negative integer');
  requireThat(
    policy.maxDurationMinutes === null ||
      (isCount(policy.maxDurationMinutes, 1) && policy.maxDurationMinutes >= policy.minDurationMinutes),
    'policy.maxDurationMinutes',
    'null or an integer >= minDurationMinutes',
  );
  requireThat(
    policy.bookingWindowDays === null || isCount(policy.bookingWindowDays, 1),
    'policy.bookingWindowDays',
    'null or a positive integer',
  );
  requireThat(isCount(policy.minNoticeMinutes, 0), 'policy.minNoticeMinutes', 'a non-negative integer');
  for (const field of ['bufferBeforeMinutes', 'bufferAfterMinutes'] as const) {
    const value = policy[field];
    requireThat(
      isCount(value, 0) && value <= MAX_BUFFER_MINUTES,
      `policy.${field}`,
      `0..${MAX_BUFFER_MINUTES}`,
    );
  }
  requireThat(typeof policy.retired === 'boolean', 'policy.retired', 'a boolean');
  // Keep only the fields this library knows, so the recorded policy has one shape.
  return {
    ...policy,
    openingHours: policy.openingHours.map(({ weekday, opens, closes }) => ({ weekday, opens, closes })),
    closures: policy.closures.map(({ date, from, to, reason }) => ({
      date,
      ...(from !== undefined && { from }),
      ...(to !== undefined && { to }),
      ...(reason !== undefined && { reason }),
    })),
  };
};

/** The interval an entry occupies: its own time plus the room's set-up and clean-up buffers. */
export const occupied = (policy: RoomPolicy, interval: Interval): Interval => ({
  start: interval.start - policy.bufferBeforeMinutes * MINUTE_MS,
  end: interval.end + policy.bufferAfterMinutes * MINUTE_MS,
});

/** Which rules apply; all do unless a reschedule only shrinks an ongoing booking (see RescheduleBooking). */
export interface SlotChecks {
  /** `minDurationMinutes`. */
  readonly minDuration?: boolean;
  /** Minimum notice and booking window, which concern the start. */
  readonly start?: boolean;
  /** Opening hours and closures. */
  readonly openingHours?: boolean;
}

/**
 * The rules that depend only on the policy and `now`: duration, notice, booking window and
 * opening hours (closures included). Throws the matching `PolicyViolation`.
 */
export const checkSlotPolicy = (
  policy: RoomPolicy,
  slot: Interval,
  now: number,
  checks: SlotChecks = {},
): void => {
  const { minDuration = true, start = true, openingHours = true } = checks;
  const span = { start: isoOf(slot.start), end: isoOf(slot.end) };
  const minutes = (slot.end - slot.start) / MINUTE_MS;
  if (minDuration && minutes < policy.minDurationMinutes)
    throw new TooShort(`at least ${policy.minDurationMinutes} minutes`, span);
  if (policy.maxDurationMinutes !== null && minutes > policy.maxDurationMinutes)
    throw new TooLong(`at most ${policy.maxDurationMinutes} minutes`, span);
  if (start && slot.start - now < policy.minNoticeMinutes * MINUTE_MS)
    throw new TooSoon(`starts at least ${policy.minNoticeMinutes} minutes from now`, span);
  if (start && policy.bookingWindowDays !== null && slot.start - now > policy.bookingWindowDays * DAY_MS)
    throw new BeyondWindow(`starts within ${policy.bookingWindowDays} days from now`, span);
  if (openingHours && !liesWithinOpeningHours(policy, slot))
    throw new OutsideOpeningHours(`lies within one opening span in ${policy.timeZone}`, span);
};
