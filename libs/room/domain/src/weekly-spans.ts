import { WEEKDAYS, type OpeningSpan } from '@roomledger/booking-domain';

/** Minutes in a week: weekly spans are compared as wall-clock minutes from Monday 00:00. */
export const WEEK_MINUTES = 7 * 24 * 60;
const DAY_MINUTES = 24 * 60;

/** A half-open range of wall-clock minutes of the week, `[start, end)`. */
export interface WeekRange {
  readonly start: number;
  readonly end: number;
}

const minutesOf = (time: string): number => {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
};

/**
 * Where a (valid) span lies in the week: one range, or two when a Sunday span runs past midnight into
 * Monday. `closes` at or before `opens` means the next day, as in the booking domain (so `08:00`-`08:00`
 * is 24 hours); `24:00` closes at midnight.
 */
export const weekRangesOf = (span: OpeningSpan): WeekRange[] => {
  const opens = minutesOf(span.opens);
  const closes = span.closes === '24:00' ? DAY_MINUTES : minutesOf(span.closes);
  const length = span.closes !== '24:00' && closes <= opens ? closes + DAY_MINUTES - opens : closes - opens;
  const start = WEEKDAYS.indexOf(span.weekday) * DAY_MINUTES + opens;
  const end = start + length;
  return end <= WEEK_MINUTES
    ? [{ start, end }]
    : [
        { start, end: WEEK_MINUTES },
        { start: 0, end: end - WEEK_MINUTES },
      ];
};

/**
 * The first pair of spans (by the later one's index) that share a minute of the week, in wall-clock
 * time; touching spans (one closes when the next opens) do not overlap. Undefined when none do.
 * Spans must be valid (weekday, `HH:MM`) already.
 */
export const firstOverlap = (
  spans: readonly OpeningSpan[],
): { earlier: number; later: number } | undefined => {
  const ranges = spans.map(weekRangesOf);
  for (let later = 1; later < spans.length; later++) {
    for (let earlier = 0; earlier < later; earlier++) {
      const overlaps = ranges[later].some((a) =>
        ranges[earlier].some((b) => a.start < b.end && b.start < a.end),
      );
      if (overlaps) return { earlier, later };
    }
  }
  return undefined;
};
