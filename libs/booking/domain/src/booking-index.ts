import type { OrderedMap } from 'immutable';
import { msOf, type IsoInstant } from './instants';
import type { Interval } from './intervals';

/** What the index needs of an entry: its ends, as the library wrote them. */
export interface Spanning {
  readonly start: IsoInstant;
  readonly end: IsoInstant;
}

/**
 * A map's entries sorted by start, their intervals in epoch ms in one compact array: a conflict check
 * binary-searches it and reads only the entries near the slot, instead of every entry of the room
 * (with a few hundred entries, the cache misses on each entry object were most of a decision).
 * `entries[i]` spans `[spans[2i], spans[2i + 1])`; among equal starts the order is unspecified.
 * Starts and ends share one array: a change allocates one typed array, not two (allocating is most
 * of what carrying the index over costs), and a scan reads an entry's start and end side by side.
 */
export interface IntervalIndex<T extends Spanning> {
  readonly spans: Float64Array;
  readonly entries: readonly T[];
  /**
   * At least the longest `end - start` among the entries (it may stay higher after a removal, which
   * only widens a search): an entry starting more than this before an instant cannot reach it.
   */
  readonly longest: number;
}

export const startAt = (index: IntervalIndex<Spanning>, position: number): number =>
  index.spans[2 * position];
export const endAt = (index: IntervalIndex<Spanning>, position: number): number =>
  index.spans[2 * position + 1];

/**
 * The index of a map, remembered per map object like `earliestEnds` in the state: a map is never
 * changed once published, so its index never goes stale. Derived data, never part of the state or
 * its snapshot; a map nobody searches never gets one.
 */
const indexes = new WeakMap<OrderedMap<string, Spanning>, IntervalIndex<Spanning>>();

/** The index of `entries`, built on first use (O(n log n)) unless an earlier map's index was carried over. */
export const intervalIndex = <T extends Spanning>(entries: OrderedMap<string, T>): IntervalIndex<T> => {
  let index = indexes.get(entries) as IntervalIndex<T> | undefined;
  if (index === undefined) {
    index = built([...entries.values()]);
    indexes.set(entries, index);
  }
  return index;
};

const built = <T extends Spanning>(values: readonly T[]): IntervalIndex<T> => {
  const sorted = values.map((entry) => ({ entry, start: msOf(entry.start), end: msOf(entry.end) }));
  sorted.sort((a, b) => a.start - b.start);
  const spans = new Float64Array(2 * sorted.length);
  let longest = 0;
  sorted.forEach(({ start, end }, i) => {
    spans[2 * i] = start;
    spans[2 * i + 1] = end;
    longest = Math.max(longest, end - start);
  });
  return { spans, entries: sorted.map(({ entry }) => entry), longest };
};

/**
 * Gives `to` (a map just derived from `from`, not yet published) the index `edit` makes of `from`'s,
 * when `from` has one; otherwise `to` builds its own when first searched. Changes nothing but the memo.
 */
export const carryIndex = <T extends Spanning>(
  from: OrderedMap<string, T>,
  to: OrderedMap<string, T>,
  edit: (index: IntervalIndex<T>) => IntervalIndex<T> | undefined,
): void => {
  const index = indexes.get(from) as IntervalIndex<T> | undefined;
  const carried = index && edit(index);
  if (carried) indexes.set(to, carried);
};

/** The first position whose start is greater than `after` (or, `inclusive`, at least `after`); `length` if none. */
const firstStartAfter = (index: IntervalIndex<Spanning>, after: number, inclusive = false): number => {
  let low = 0;
  let high = index.entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const start = startAt(index, middle);
    if (start > after || (inclusive && start === after)) high = middle;
    else low = middle + 1;
  }
  return low;
};

/** Where `entry` (this very object) is in the index, or -1. */
const positionOf = <T extends Spanning>(index: IntervalIndex<T>, entry: T): number => {
  const start = msOf(entry.start);
  const size = index.entries.length;
  for (let i = firstStartAfter(index, start, true); i < size && startAt(index, i) === start; i++) {
    if (index.entries[i] === entry) return i;
  }
  return -1;
};

/**
 * The index with `removed` taken out and `added` put in at its place by start: a few typed-array
 * copies (O(n), but flat, with no object per entry), a small part of what an event costs. `undefined`
 * (drop the memo, rebuild when needed) if `removed` is not in the index, which a map derived as the
 * state derives them never causes.
 */
export const withInterval = <T extends Spanning>(
  index: IntervalIndex<T>,
  removed: T | undefined,
  added: T | undefined,
): IntervalIndex<T> | undefined => {
  const skip = removed === undefined ? -1 : positionOf(index, removed);
  if (removed !== undefined && skip < 0) return undefined;
  const size = index.entries.length - (skip < 0 ? 0 : 1) + (added === undefined ? 0 : 1);
  const spans = new Float64Array(2 * size);
  let filled = 0;
  const copy = (from: number, to: number) => {
    if (to <= from) return;
    spans.set(index.spans.subarray(2 * from, 2 * to), 2 * filled);
    filled += to - from;
  };
  // Everything before `at` keeps its place, then `added`, then the rest; `skip` is left out.
  const keep = (from: number, to: number) => {
    if (skip >= from && skip < to) {
      copy(from, skip);
      copy(skip + 1, to);
    } else copy(from, to);
  };
  // The entries likewise, with the array's own (bulk) copy and moves rather than a push per entry.
  const entries = index.entries.slice();
  if (skip >= 0) entries.splice(skip, 1);
  if (added === undefined) {
    keep(0, index.entries.length);
    return { spans, entries, longest: index.longest };
  }
  const start = msOf(added.start);
  const end = msOf(added.end);
  const at = firstStartAfter(index, start);
  keep(0, at);
  spans[2 * filled] = start;
  spans[2 * filled + 1] = end;
  filled += 1;
  keep(at, index.entries.length);
  entries.splice(skip >= 0 && skip < at ? at - 1 : at, 0, added);
  return { spans, entries, longest: Math.max(index.longest, end - start) };
};

/** The index of the entries that end at or after `horizon` (what pruning keeps), in one pass. */
export const endingFromIndex = <T extends Spanning>(
  index: IntervalIndex<T>,
  horizon: number,
): IntervalIndex<T> => {
  const kept: number[] = [];
  for (let i = 0; i < index.entries.length; i++) if (endAt(index, i) >= horizon) kept.push(i);
  const spans = new Float64Array(2 * kept.length);
  kept.forEach((from, to) => {
    spans[2 * to] = startAt(index, from);
    spans[2 * to + 1] = endAt(index, from);
  });
  return { spans, entries: kept.map((i) => index.entries[i]), longest: index.longest };
};

/**
 * Calls `visit` with each position whose interval reaches into `reach` (`start < reach.end` and
 * `end > reach.start`), in order of start, reading only the entries that start near it.
 */
export const forEachReaching = <T extends Spanning>(
  index: IntervalIndex<T>,
  reach: Interval,
  visit: (position: number) => void,
): void => {
  const { spans } = index;
  const size = index.entries.length;
  // An entry starting at or before `reach.start - longest` ends at or before `reach.start`; the extra
  // millisecond is slack that costs nothing and needs no argument about rounding.
  for (let i = firstStartAfter(index, reach.start - index.longest - 1); i < size; i++) {
    if (spans[2 * i] >= reach.end) return;
    if (spans[2 * i + 1] > reach.start) visit(i);
  }
};
