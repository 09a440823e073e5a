import { ValidationFailed, type TimeSpan } from '../errors';
import { merge, type Interval } from '../intervals';

/** Input of the scheduling assistant, and the searches it runs over sorted, disjoint intervals. */

const OFFSET = /(?:Z|[+-]\d\d:\d\d)$/i;
/** Busy lists are long (read models), so a cheap strict parse: RFC 3339 with an offset, start <= end. */
export const busyOf = (spans: unknown, field: string): Interval[] => {
  if (!Array.isArray(spans)) throw new ValidationFailed(field, 'an array of {start, end}');
  return merge(
    spans.map((span: TimeSpan, i) => {
      const ok =
        typeof span?.start === 'string' &&
        typeof span.end === 'string' &&
        OFFSET.test(span.start) &&
        OFFSET.test(span.end);
      const start = ok ? Date.parse(span.start) : NaN;
      const end = ok ? Date.parse(span.end) : NaN;
      if (!(start <= end))
        throw new ValidationFailed(`${field}[${i}]`, 'instants with an offset, start <= end');
      return { start, end };
    }),
  );
};

export const requireCount = (value: unknown, field: string, min: number, max: number): number => {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
    throw new ValidationFailed(field, `an integer ${min}..${max}`);
  return value as number;
};

/** Index of the last interval starting at or before `at` (-1 if none); intervals sorted and disjoint. */
const lastStartingBy = (intervals: readonly Interval[], at: number): number => {
  let low = 0;
  let high = intervals.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (intervals[mid].start <= at) low = mid + 1;
    else high = mid - 1;
  }
  return high;
};
export const overlapsAny = (sorted: readonly Interval[], slot: Interval): boolean => {
  const i = lastStartingBy(sorted, slot.end - 1);
  return i >= 0 && sorted[i].end > slot.start;
};
export const insideOne = (sorted: readonly Interval[], slot: Interval): boolean => {
  const i = lastStartingBy(sorted, slot.start);
  return i >= 0 && sorted[i].end >= slot.end;
};

export const requireRoomId = (value: unknown, field: string): string => {
  if (typeof value === 'string' && value !== '') return value;
  throw new ValidationFailed(field, 'a non-empty id');
};
