import { Temporal } from 'temporal-polyfill';

/** An instant as an ISO-8601 string. Everything this library writes is UTC with a `Z`. */
export type IsoInstant = string;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

/**
 * The usual input (every instant a client or this service writes), at a fraction of Temporal's cost:
 * `YYYY-MM-DDTHH:mm:ss[.sss]Z` that `Date` formats back to the same instant is a valid date and time,
 * which Temporal would read as the same milliseconds. Anything else is left to Temporal.
 */
const canonicalUtcMs = (value: string): number | undefined => {
  if (!CANONICAL_UTC.test(value)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  const formatted = new Date(ms).toISOString();
  const same =
    formatted === value ||
    (value.length === 20 && formatted.endsWith('.000Z') && formatted.startsWith(value.slice(0, 19)));
  return same ? ms : undefined;
};

/**
 * Strict parse of a caller-supplied instant: RFC 3339 with an offset (`Z` or `+01:00`);
 * a local date-time without offset is refused. Returns epoch milliseconds, or undefined.
 */
export const parseInstant = (value: unknown): number | undefined => {
  if (typeof value !== 'string') return undefined;
  const canonical = canonicalUtcMs(value);
  if (canonical !== undefined) return canonical;
  try {
    return Temporal.Instant.from(value).epochMilliseconds;
  } catch {
    return undefined;
  }
};

/**
 * Epoch milliseconds of an instant this library wrote itself (canonical, always valid). Decisions read
 * every live entry's start and end, so the parse is memoised (bounded: cleared past 100,000 strings);
 * a pure function either way.
 */
export const msOf = (instant: IsoInstant): number => {
  let ms = parsed.get(instant);
  if (ms === undefined) {
    if (parsed.size >= MAX_MEMOISED) parsed.clear();
    ms = Date.parse(instant);
    parsed.set(instant, ms);
  }
  return ms;
};
const parsed = new Map<string, number>();
const MAX_MEMOISED = 100_000;

/** The canonical UTC form, e.g. `2026-03-02T09:00:00Z` (milliseconds only when present). */
export const isoOf = (epochMs: number): IsoInstant => new Date(epochMs).toISOString().replace('.000Z', 'Z');
