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
/** A local wall-clock time `HH:MM` (00:00..23:59). */
export const isLocalTime = (value: unknown): value is string => typeof value === 'string' && TIME.test(value);
/** A closing time: `HH:MM` or `24:00`. */
export const isClosingTime = (value: unknown): value is string => value === '24:00' || isLocalTime(value);
const isTime = isLocalTime;

const requireThat = (ok: boolean, field: string, message: string) => {
  if (!ok) throw new ValidationFailed(field, message);
};
const isCount = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min;

/**
 * The IANA name as the time-zone database spells it (`europe/berlin` → `Europe/Berlin`), or undefined
 * for anything else; fixed offsets such as `+01:00` have no DST and are refused.
 */
export const canonicalTimeZone = (zone: unknown): string | undefined => {
  if (typeof zone !== 'string' || !/^[A-Za-z]/.test(zone)) return undefined;
  try {
    return Temporal.PlainDate.from('2026-01-01').toZonedDateTime(zone).timeZoneId;
  } catch {
    return undefined;
  }
};

/** An IANA name (`Europe/Berlin`, `UTC`); fixed offsets such as `+01:00` have no DST and are refused. */
export const isTimeZone = (zone: unknown): zone is string => canonicalTimeZone(zone) !== undefined;

/** A local date `YYYY-MM-DD` that exists in the calendar. */
export const isLocalDate = (value: unknown): value is string => {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  try {
    Temporal.PlainDate.from(value, { overflow: 'reject' });
    return true;
  } catch {
    return false;
  }
};

/** The booking rules of a policy: durations, window, notice and buffers. */
export type BookingRules = Pick<
  RoomPolicy,
  | 'minDurationMinutes'
  | 'maxDurationMinutes'
  | 'bookingWindowDays'
  | 'minNoticeMinutes'
  | 'bufferBeforeMinutes'
  | 'bufferAfterMinutes'
>;

/**
 * Validates a time zone, weekly opening spans and closures; throws `ValidationFailed` naming the first
 * bad field as `<prefix>timeZone`, `<prefix>openingHours[i]`, `<prefix>closures[i]`. Shared with the room
 * catalogue (`@roomledger/room-domain`), whose fields sit at the top level (prefix `''`).
 */
export const validateOpeningRules = (rules: OpeningRules, prefix = 'policy.'): void => {
  requireThat(Array.isArray(rules.openingHours), `${prefix}openingHours`, 'an array');
  requireThat(Array.isArray(rules.closures), `${prefix}closures`, 'an array');
  requireThat(isTimeZone(rules.timeZone), `${prefix}timeZone`, 'an IANA time zone');
  rules.openingHours.forEach((span, i) => {
    const field = `${prefix}openingHours[${i}]`;
    requireThat(WEEKDAYS.includes(span?.weekday), field, 'weekday is one of mon..sun');
    requireThat(isTime(span.opens) && isClosingTime(span.closes), field, 'opens/closes are HH:MM');
  });
  rules.closures.forEach((closure, i) => {
    const field = `${prefix}closures[${i}]`;
    requireThat(isLocalDate(closure?.date), field, 'date is YYYY-MM-DD');
    const partial = closure.from !== undefined || closure.to !== undefined;
    requireThat(
      !partial || (isTime(closure.from) && isClosingTime(closure.to) && closure.from < closure.to),
      field,
      'from < to, both HH:MM',
    );
  });
};

/**
 * Validates the booking rules; throws `ValidationFailed` naming the first bad field as
 * `<prefix>minDurationMinutes` and so on. Shared with the room catalogue.
 */
export const validateBookingRules = (rules: BookingRules, prefix = 'policy.'): void => {
  requireThat(isCount(rules.minDurationMinutes, 0), `${prefix}minDurationMinutes`, 'a non-negative integer');
  requireThat(
    rules.maxDurationMinutes === null ||
      (isCount(rules.maxDurationMinutes, 1) && rules.maxDurationMinutes >= rules.minDurationMinutes),
    `${prefix}maxDurationMinutes`,
    'null or an integer >= minDurationMinutes',
  );
  requireThat(
    rules.bookingWindowDays === null || isCount(rules.bookingWindowDays, 1),
    `${prefix}bookingWindowDays`,
    'null or a positive integer',
  );
  requireThat(isCount(rules.minNoticeMinutes, 0), `${prefix}minNoticeMinutes`, 'a non-negative integer');
  for (const field of ['bufferBeforeMinutes', 'bufferAfterMinutes'] as const) {
    const value = rules[field];
    requireThat(
      isCount(value, 0) && value <= MAX_BUFFER_MINUTES,
      `${prefix}${field}`,
      `0..${MAX_BUFFER_MINUTES}`,
    );
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
  requireThat(isCount(policy.capacity, 1), 'policy.capacity', 'a positive integer');
  requireThat(isCount(policy.seats, 1), 'policy.seats', 'a positive integer');
  validateOpeningRules(policy);
  validateBookingRules(policy);
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
