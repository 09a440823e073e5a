import fc from 'fast-check';
import { maxConcurrency, merge, overlaps, saturated, subtract, type Interval } from './intervals';

/**
 * The interval algebra against brute force: on an integer grid a half-open interval [s, e)
 * covers exactly the points s..e-1, so counting points is an independent model of every operation.
 */
describe('Interval logic against a brute-force model', () => {
  it('overlaps exactly when some point lies in both', () => {
    fc.assert(
      fc.property(interval, interval, (a, b) => {
        expect(overlaps(a, b)).toBe(GRID.some((p) => covers(a, p) && covers(b, p)));
      }),
      { numRuns: 2000 },
    );
  });

  it('merges into sorted, separated intervals covering the same points', () => {
    fc.assert(
      fc.property(intervals, (input) => {
        const merged = merge(input);
        expectSeparated(merged);
        for (const p of GRID) expect(coveredBy(merged, p)).toBe(input.some((i) => covers(i, p)));
      }),
    );
  });

  it('finds where at least n intervals are in force at once', () => {
    fc.assert(
      fc.property(intervals, fc.integer({ min: 1, max: 4 }), (input, level) => {
        const full = saturated(input, level);
        expectSeparated(full);
        for (const p of GRID) expect(coveredBy(full, p)).toBe(count(input, p) >= level);
      }),
    );
  });

  it('finds the largest number in force at one instant', () => {
    fc.assert(
      fc.property(intervals, (input) => {
        expect(maxConcurrency(input)).toBe(Math.max(0, ...GRID.map((p) => count(input, p))));
      }),
    );
  });

  it('subtracts exactly the removed points', () => {
    fc.assert(
      fc.property(intervals, intervals, (from, remove) => {
        const rest = subtract(from, remove);
        expectSeparated(rest);
        for (const p of GRID) expect(coveredBy(rest, p)).toBe(coveredBy(from, p) && !coveredBy(remove, p));
      }),
    );
  });
});

// Fixtures
const SIZE = 40;
const GRID = Array.from({ length: SIZE + 2 }, (_, i) => i - 1);
const interval = fc
  .tuple(fc.integer({ min: 0, max: SIZE }), fc.integer({ min: 0, max: SIZE }))
  .map(([a, b]): Interval => ({ start: Math.min(a, b), end: Math.max(a, b) }));
const intervals = fc.array(interval, { maxLength: 8 });
function covers(i: Interval, p: number) {
  return i.start <= p && p < i.end;
}
function coveredBy(list: readonly Interval[], p: number) {
  return list.some((i) => covers(i, p));
}
function count(list: readonly Interval[], p: number) {
  return list.filter((i) => covers(i, p)).length;
}
function expectSeparated(list: readonly Interval[]) {
  list.forEach((i, k) => {
    expect(i.start).toBeLessThan(i.end);
    if (k > 0) expect(list[k - 1].end).toBeLessThan(i.start);
  });
}
