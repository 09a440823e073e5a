import {
  canonicalTimeZone,
  validateBookingRules,
  validateOpeningRules,
  type BookingRules,
  type Closure,
  type OpeningSpan,
} from '@roomledger/booking-domain';
import { ValidationFailed } from './errors';
import { ACCESSIBILITY_FEATURES, AMENITIES, normalizeFeatures } from './features';
import { firstOverlap } from './weekly-spans';

/** How the room may be booked; `null` = no limit. The booking service enforces it (ARCHITECTURE, "Rules"). */
export type BookingPolicy = BookingRules;

/** A room as the catalogue keeps it: every field explicit, JSON-friendly, in one canonical form. */
export interface RoomProfile {
  /** 1..200 characters. */
  readonly name: string;
  readonly building?: string;
  /** Free text (`3`, `B1`, `mezzanine`). */
  readonly floor?: string;
  /** How many people fit (>= 1). */
  readonly capacity: number;
  /** 1 for an ordinary room; more for a shared room where that many bookings may run at once (<= capacity). */
  readonly seats: number;
  /** IANA name, as the time-zone database spells it. */
  readonly timeZone: string;
  /** Curated names and `tag:` free tags, sorted, without repeats. */
  readonly amenities: readonly string[];
  readonly accessibility: readonly string[];
  /** Weekly spans in the room's zone, none overlapping another; empty = open around the clock. */
  readonly openingHours: readonly OpeningSpan[];
  readonly closures: readonly Closure[];
  readonly policy: BookingPolicy;
}

/** What `RegisterRoom` accepts: name, capacity and time zone are required; the rest has neutral defaults. */
export interface RoomProfileInput {
  readonly name: string;
  readonly capacity: number;
  readonly timeZone: string;
  readonly building?: string;
  readonly floor?: string;
  readonly seats?: number;
  readonly amenities?: readonly string[];
  readonly accessibility?: readonly string[];
  readonly openingHours?: readonly OpeningSpan[];
  readonly closures?: readonly Closure[];
  readonly policy?: Partial<BookingPolicy>;
}

/**
 * What `UpdateRoom` changes: only the fields given. `building` / `floor` `null` (or empty) clears them;
 * `policy` is merged field by field into the current policy; lists replace the current list.
 */
export type RoomChanges = {
  readonly [K in Exclude<keyof RoomProfileInput, 'building' | 'floor' | 'policy'>]?: RoomProfileInput[K];
} & {
  readonly building?: string | null;
  readonly floor?: string | null;
  readonly policy?: Partial<BookingPolicy>;
};

/** The policy of a room registered without one: no limits (the booking domain's neutral defaults). */
export const DEFAULT_BOOKING_POLICY: BookingPolicy = {
  minDurationMinutes: 0,
  maxDurationMinutes: null,
  bookingWindowDays: null,
  minNoticeMinutes: 0,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
};

export const MAX_CAPACITY = 10_000;
const MAX_NAME = 200;
const MAX_BUILDING = 200;
const MAX_FLOOR = 50;
const MAX_OPENING_SPANS = 100;
const MAX_CLOSURES = 1_000;

const requireThat = (ok: boolean, field: string, message: string): void => {
  if (!ok) throw new ValidationFailed(field, message);
};
const isCount = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

const optionalText = (value: unknown, field: string, max: number): string | undefined => {
  if (value === undefined || value === null) return undefined;
  requireThat(typeof value === 'string', field, 'a string');
  const text = (value as string).trim();
  requireThat(text.length <= max, field, `at most ${max} characters`);
  requireThat(!CONTROL_CHARACTERS.test(text), field, 'no control characters');
  return text === '' ? undefined : text;
};

/** Text people write has none of these (and PostgreSQL's jsonb cannot store a NUL at all). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/u;

/**
 * Applies defaults, canonicalises (trimmed text, the time zone's canonical spelling, sorted feature
 * lists, only known fields) and validates. Throws `ValidationFailed` naming the first bad field:
 * `name`, `capacity`, `seats`, `timeZone`, `amenities[i]`, `openingHours[i]`, `closures[i]`,
 * `policy.maxDurationMinutes`, ... Time zone, opening-span, closure and policy rules are the booking
 * domain's own validators, so the booking service accepts every room this accepts.
 */
export const normalizeRoomProfile = (input: RoomProfileInput): RoomProfile => {
  requireThat(typeof input === 'object' && input !== null, 'room', 'an object');
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  requireThat(name.length >= 1 && name.length <= MAX_NAME, 'name', `1..${MAX_NAME} characters`);
  requireThat(!CONTROL_CHARACTERS.test(name), 'name', 'no control characters');
  const building = optionalText(input.building, 'building', MAX_BUILDING);
  const floor = optionalText(input.floor, 'floor', MAX_FLOOR);
  requireThat(isCount(input.capacity, 1, MAX_CAPACITY), 'capacity', `an integer 1..${MAX_CAPACITY}`);
  const seats = input.seats ?? 1;
  requireThat(isCount(seats, 1, MAX_CAPACITY), 'seats', 'a positive integer');
  requireThat(seats <= input.capacity, 'seats', `at most capacity (${input.capacity})`);
  const openingHours = input.openingHours ?? [];
  const closures = input.closures ?? [];
  const rules = { timeZone: input.timeZone, openingHours, closures };
  validateOpeningRules(rules, '');
  requireThat(openingHours.length <= MAX_OPENING_SPANS, 'openingHours', `at most ${MAX_OPENING_SPANS} spans`);
  requireThat(closures.length <= MAX_CLOSURES, 'closures', `at most ${MAX_CLOSURES} closures`);
  const overlap = firstOverlap(openingHours);
  if (overlap) {
    throw new ValidationFailed(
      `openingHours[${overlap.later}]`,
      `overlaps openingHours[${overlap.earlier}] (spans may touch, not overlap)`,
    );
  }
  requireThat(
    input.policy === undefined || (typeof input.policy === 'object' && input.policy !== null),
    'policy',
    'an object',
  );
  const policy: BookingPolicy = { ...DEFAULT_BOOKING_POLICY, ...definedOnly(input.policy ?? {}) };
  validateBookingRules(policy, 'policy.');
  return {
    name,
    ...(building !== undefined && { building }),
    ...(floor !== undefined && { floor }),
    capacity: input.capacity,
    seats,
    timeZone: canonicalTimeZone(input.timeZone) as string,
    amenities: normalizeFeatures(input.amenities, AMENITIES, 'amenities'),
    accessibility: normalizeFeatures(input.accessibility, ACCESSIBILITY_FEATURES, 'accessibility'),
    openingHours: openingHours.map(({ weekday, opens, closes }) => ({ weekday, opens, closes })),
    closures: closures.map(({ date, from, to, reason }) => ({
      date,
      ...(from !== undefined && { from }),
      ...(to !== undefined && { to }),
      ...(reason !== undefined && reason !== '' && { reason }),
    })),
    policy: {
      minDurationMinutes: policy.minDurationMinutes,
      maxDurationMinutes: policy.maxDurationMinutes,
      bookingWindowDays: policy.bookingWindowDays,
      minNoticeMinutes: policy.minNoticeMinutes,
      bufferBeforeMinutes: policy.bufferBeforeMinutes,
      bufferAfterMinutes: policy.bufferAfterMinutes,
    },
  };
};

/**
 * The room after `changes`, validated like a new one. When a lower capacity no longer holds the seats
 * and the seats were not changed, the capacity is the field named.
 */
export const applyRoomChanges = (current: RoomProfile, changes: RoomChanges): RoomProfile => {
  requireThat(typeof changes === 'object' && changes !== null, 'changes', 'an object');
  const given = definedOnly(changes);
  const merged: RoomProfileInput = {
    ...current,
    ...given,
    building: 'building' in given ? (changes.building ?? undefined) : current.building,
    floor: 'floor' in given ? (changes.floor ?? undefined) : current.floor,
    policy: { ...current.policy, ...definedOnly(changes.policy ?? {}) },
  };
  if (
    changes.seats === undefined &&
    typeof merged.capacity === 'number' &&
    merged.capacity >= 1 &&
    current.seats > merged.capacity
  ) {
    throw new ValidationFailed('capacity', `at least the room's seats (${current.seats})`);
  }
  return normalizeRoomProfile(merged);
};

/** A field of the room as `changed` lists it: a top-level field, or `policy.<rule>`. */
export type RoomField = Exclude<keyof RoomProfile, 'policy'> | `policy.${keyof BookingPolicy}`;

const PROFILE_FIELDS = [
  'name',
  'building',
  'floor',
  'capacity',
  'seats',
  'timeZone',
  'amenities',
  'accessibility',
  'openingHours',
  'closures',
] as const satisfies readonly Exclude<keyof RoomProfile, 'policy'>[];
const POLICY_RULES = Object.keys(DEFAULT_BOOKING_POLICY) as (keyof BookingPolicy)[];

/**
 * Whether two JSON values are equal, whatever the order of object keys: a room read back from the
 * store has been through `jsonb`, which keeps keys in an order of its own.
 */
export const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );

/** Which fields differ between two rooms, in a fixed order. */
export const changedFields = (before: RoomProfile, after: RoomProfile): RoomField[] => {
  const differs = (a: unknown, b: unknown) => !sameJson(a, b);
  return [
    ...PROFILE_FIELDS.filter((field) => differs(before[field], after[field])),
    ...POLICY_RULES.filter((rule) => differs(before.policy[rule], after.policy[rule])).map(
      (rule) => `policy.${rule}` as const,
    ),
  ];
};

/** The fields whose change is a `RoomPolicyChanged` rather than a `RoomUpdated`: when and how it may be booked. */
export const isPolicyField = (field: RoomField): boolean =>
  field === 'openingHours' || field === 'closures' || field.startsWith('policy.');

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
