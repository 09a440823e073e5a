/**
 * Half-open intervals [start, end) in epoch milliseconds: touching intervals do not overlap.
 * Everything here is pure arithmetic; callers convert from and to ISO instants.
 */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** An empty interval overlaps nothing. */
export const overlaps = (a: Interval, b: Interval): boolean =>
  a.start < b.end && b.start < a.end && a.start < a.end && b.start < b.end;

export const contains = (outer: Interval, inner: Interval): boolean =>
  outer.start <= inner.start && inner.end <= outer.end;

export const widen = (interval: Interval, before: number, after: number): Interval => ({
  start: interval.start - before,
  end: interval.end + after,
});

export const clip = (interval: Interval, to: Interval): Interval | undefined => {
  const start = Math.max(interval.start, to.start);
  const end = Math.min(interval.end, to.end);
  return start < end ? { start, end } : undefined;
};

const byStart = (a: Interval, b: Interval) => a.start - b.start || a.end - b.end;

/** Union as sorted, disjoint intervals; touching intervals are joined. Empty intervals vanish. */
export const merge = (intervals: readonly Interval[]): Interval[] => {
  const sorted = intervals.filter((i) => i.start < i.end).sort(byStart);
  const merged: Interval[] = [];
  for (const next of sorted) {
    const last = merged[merged.length - 1];
    if (last && next.start <= last.end)
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, next.end) };
    else merged.push({ ...next });
  }
  return merged;
};

/** Start (+1) and end (-1) points; at equal instants ends come first, which is what half-open means. */
const sweepPoints = (intervals: readonly Interval[]) =>
  intervals
    .filter((i) => i.start < i.end)
    .flatMap((i) => [
      { at: i.start, delta: 1 },
      { at: i.end, delta: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.delta - b.delta);

/** Sweep line: the maximal intervals where at least `level` of the given intervals are in force at once. */
export const saturated = (intervals: readonly Interval[], level: number): Interval[] => {
  const result: Interval[] = [];
  let depth = 0;
  let openedAt = 0;
  for (const { at, delta } of sweepPoints(intervals)) {
    const before = depth;
    depth += delta;
    if (before < level && depth >= level) openedAt = at;
    if (before >= level && depth < level && openedAt < at) result.push({ start: openedAt, end: at });
  }
  return merge(result);
};

/** The largest number of intervals in force at one instant. */
export const maxConcurrency = (intervals: readonly Interval[]): number => {
  let depth = 0;
  let max = 0;
  for (const { delta } of sweepPoints(intervals)) {
    depth += delta;
    max = Math.max(max, depth);
  }
  return max;
};

/** `from` minus every interval in `remove`, as sorted disjoint intervals. */
export const subtract = (from: readonly Interval[], remove: readonly Interval[]): Interval[] => {
  const holes = merge(remove);
  const result: Interval[] = [];
  for (const piece of merge(from)) {
    let cursor = piece.start;
    for (const hole of holes) {
      if (hole.end <= cursor || hole.start >= piece.end) continue;
      if (hole.start > cursor) result.push({ start: cursor, end: hole.start });
      cursor = Math.max(cursor, hole.end);
    }
    if (cursor < piece.end) result.push({ start: cursor, end: piece.end });
  }
  return result;
};
