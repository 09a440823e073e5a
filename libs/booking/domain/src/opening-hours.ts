import { Temporal } from 'temporal-polyfill';
import { DAY_MS } from './instants';
import { contains, subtract, type Interval } from './intervals';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Local wall-clock time `HH:MM`; `24:00` is allowed as a closing time. */
export type LocalTime = string;

/** Open from `opens` on `weekday`; `closes` at or before `opens` means the next day (spans midnight). */
export interface OpeningSpan {
  readonly weekday: Weekday;
  readonly opens: LocalTime;
  readonly closes: LocalTime;
}

/** A local date the room is closed: the whole day, or `from`..`to` (both given) that day. */
export interface Closure {
  readonly date: string;
  readonly from?: LocalTime;
  readonly to?: LocalTime;
  readonly reason?: string;
}

export interface OpeningRules {
  /** IANA time zone: opening hours and closures are wall-clock times there. */
  readonly timeZone: string;
  /** Empty: open around the clock. */
  readonly openingHours: readonly OpeningSpan[];
  readonly closures: readonly Closure[];
}

type PlainDate = Temporal.PlainDate;

/**
 * The instant a wall-clock time happens on a local date. Temporal's 'compatible' disambiguation
 * moves a time inside a spring-forward gap later and takes the earlier of two fall-back times.
 */
const instantAt = (date: PlainDate, time: LocalTime, timeZone: string): number =>
  time === '24:00'
    ? date.add({ days: 1 }).toZonedDateTime(timeZone).epochMilliseconds
    : date.toZonedDateTime({ timeZone, plainTime: Temporal.PlainTime.from(time) }).epochMilliseconds;

const spansOn = (rules: OpeningRules, date: PlainDate): Interval[] => {
  const { timeZone } = rules;
  if (rules.openingHours.length === 0)
    return [{ start: instantAt(date, '00:00', timeZone), end: instantAt(date, '24:00', timeZone) }];
  return rules.openingHours
    .filter((span) => span.weekday === WEEKDAYS[date.dayOfWeek - 1])
    .map((span) => {
      const overnight = span.closes !== '24:00' && span.closes <= span.opens;
      return {
        start: instantAt(date, span.opens, timeZone),
        end: instantAt(overnight ? date.add({ days: 1 }) : date, span.closes, timeZone),
      };
    });
};

const closedOn = (rules: OpeningRules, date: PlainDate): Interval[] =>
  rules.closures
    .filter((closure) => closure.date === date.toString())
    .map((closure) => ({
      start: instantAt(date, closure.from ?? '00:00', rules.timeZone),
      end: instantAt(date, closure.to ?? '24:00', rules.timeZone),
    }));

interface LocalDay {
  readonly open: Interval[];
  readonly closed: Interval[];
}

/**
 * Memo of each local date's spans per set of rules: time-zone arithmetic is by far the most
 * expensive part of a decision. It memoizes a pure function, so decisions stay pure. Keyed by
 * the rules' content, so a state restored from a snapshot shares it; bounded by clearing.
 */
const memo = new Map<string, Map<number, LocalDay>>();
const memoKeys = new WeakMap<OpeningRules, string>();
const MEMO_RULES = 256;
const MEMO_DAYS = 1_000;

const daysOf = (rules: OpeningRules): Map<number, LocalDay> => {
  let key = memoKeys.get(rules);
  if (key === undefined) {
    key = JSON.stringify([rules.timeZone, rules.openingHours, rules.closures]);
    memoKeys.set(rules, key);
  }
  let days = memo.get(key);
  if (!days || days.size > MEMO_DAYS) {
    if (memo.size >= MEMO_RULES) memo.clear();
    memo.set(key, (days = new Map()));
  }
  return days;
};

const localDay = (rules: OpeningRules, epochDay: number): LocalDay => {
  const days = daysOf(rules);
  let day = days.get(epochDay);
  if (!day) {
    const date = Temporal.PlainDate.from(new Date(epochDay * DAY_MS).toISOString().slice(0, 10));
    day = { open: spansOn(rules, date), closed: closedOn(rules, date) };
    days.set(epochDay, day);
  }
  return day;
};

/**
 * The room's open time around `range` as sorted, disjoint intervals: weekly spans in the room's
 * time zone (DST-correct), touching spans joined, closures cut out. Covers at least `range`;
 * spans are not clipped to it.
 */
export const openSpans = (rules: OpeningRules, range: Interval): Interval[] => {
  // Local dates are within a day of UTC dates (offsets stay under 24 h), and a span that covers
  // an instant starts at most one local day before it (overnight spans).
  const days: LocalDay[] = [];
  for (
    let epochDay = Math.floor(range.start / DAY_MS) - 2;
    epochDay <= Math.floor(range.end / DAY_MS) + 1;
    epochDay++
  )
    days.push(localDay(rules, epochDay));
  return subtract(
    days.flatMap((day) => day.open),
    days.flatMap((day) => day.closed),
  );
};

/** A booking must lie within one opening span (touching spans count as one). */
export const liesWithinOpeningHours = (rules: OpeningRules, slot: Interval): boolean =>
  openSpans(rules, slot).some((span) => contains(span, slot));
