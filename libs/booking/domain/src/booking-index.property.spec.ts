import fc from 'fast-check';
import { OrderedMap } from 'immutable';
import {
  endAt,
  endingFromIndex,
  forEachReaching,
  intervalIndex,
  startAt,
  withInterval,
  type IntervalIndex,
} from './booking-index';
import { MINUTE_MS, isoOf, msOf } from './instants';
import { overlaps, type Interval } from './intervals';
import { occupied } from './room-policy';
import { policy } from './room-schedule.fixtures';
import { conflictsOf, fullyTaken } from './room-schedule.rules';
import type { ActiveRoomSchedule, ScheduledBooking } from './room-schedule.state';

/**
 * The interval index against the map it indexes: carried over event by event it holds exactly what
 * building it from the final map holds, and a search yields exactly what a scan of every entry finds.
 */
describe('Interval index', () => {
  it('carried over through inserts, replacements, removals and pruning equals the one built lazily', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 60 }), (changes) => {
        let entries = OrderedMap<string, Entry>();
        let index = intervalIndex(entries);
        for (const next of changes) {
          if (next.kind === 'prune') {
            const horizon = T0 + next.at * SLOT;
            entries = entries.filter((entry) => msOf(entry.end) >= horizon);
            index = endingFromIndex(index, horizon);
          } else {
            const key = `e${next.key}`;
            const added = next.kind === 'set' ? entryOf(key, next.at, next.length) : undefined;
            const carried = withInterval(index, entries.get(key), added);
            if (carried === undefined) throw new Error(`lost ${key}`);
            index = carried;
            entries = added ? entries.set(key, added) : entries.delete(key);
          }
          // A map built afresh from the entries (a new object, so no memo: its index is built).
          expectSame(index, intervalIndex(OrderedMap([...entries])));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('searches exactly the entries a full scan finds reaching into a slot', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 40 }), slotArb, (list, reach) => {
        const entries = OrderedMap(list.map((entry): [string, Entry] => [entry.id, entry]));
        const index = intervalIndex(entries);
        const found: Entry[] = [];
        forEachReaching(index, reach, (position) => found.push(index.entries[position]));
        const scanned = [...entries.values()].filter(
          (entry) => msOf(entry.start) < reach.end && reach.start < msOf(entry.end),
        );
        expect(ids(found)).toEqual(ids(scanned));
      }),
      { numRuns: 1000 },
    );
  });

  it('makes conflict checks (any seats, buffers, statuses, exclusion) agree with a scan of every entry', () => {
    fc.assert(
      fc.property(
        fc.array(bookingArb, { maxLength: 30 }),
        slotArb,
        fc.constantFrom(1, 2, 3),
        fc.constantFrom(0, 10, 15, 60),
        fc.constantFrom(0, 5, 15, 90),
        fc.option(fc.integer({ min: 0, max: 29 }), { nil: undefined }),
        (list, slot, seats, bufferBeforeMinutes, bufferAfterMinutes, excluded) => {
          const room: ActiveRoomSchedule = {
            roomId: 'room-1',
            status: 'active',
            policy: policy({ seats, bufferBeforeMinutes, bufferAfterMinutes }),
            bookings: OrderedMap(list.map((booking) => [booking.bookingId, booking])),
            maintenance: OrderedMap(),
            latestEventAt: isoOf(T0),
          };
          const options = { excluding: excluded === undefined ? undefined : `b${excluded}` };
          const needed = occupied(room.policy, slot);
          const scanned = fullyTaken(room, NOW, options).filter((busy) => overlaps(busy, needed));
          expect(conflictsOf(room, slot, NOW, options)).toEqual(scanned);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// Fixtures: a grid of 15-minute slots, entries of one slot to several days (so `longest` matters).
const SLOT = 15 * MINUTE_MS;
const T0 = msOf('2026-03-02T00:00:00Z');
const NOW = T0 + 4 * SLOT;

interface Entry {
  readonly id: string;
  readonly start: string;
  readonly end: string;
}

const entryOf = (id: string, at: number, length: number): Entry => ({
  id,
  start: isoOf(T0 + at * SLOT),
  end: isoOf(T0 + (at + length) * SLOT),
});

const at = fc.integer({ min: 0, max: 200 });
const length = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 400 }));
const change = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.nat({ max: 15 }), at, length }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.nat({ max: 15 }) }),
  fc.record({ kind: fc.constant('prune' as const), at }),
);

const entryArb = fc
  .tuple(fc.nat({ max: 1_000_000 }), at, length)
  .map(([id, start, span]) => entryOf(`e${id}`, start, span));

const slotArb: fc.Arbitrary<Interval> = fc
  .tuple(fc.integer({ min: -20, max: 220 }), fc.integer({ min: 1, max: 40 }))
  .map(([start, span]) => ({ start: T0 + start * SLOT, end: T0 + (start + span) * SLOT }));

const bookingArb: fc.Arbitrary<ScheduledBooking> = fc
  .record({
    id: fc.nat({ max: 29 }),
    at,
    length,
    status: fc.constantFrom('confirmed' as const, 'held' as const, 'cancelled' as const),
    expiresIn: fc.integer({ min: -2, max: 2 }),
  })
  .map(({ id, at: start, length: span, status, expiresIn }) => {
    const { start: from, end } = entryOf(`b${id}`, start, span);
    const facts = { bookingId: `b${id}`, start: from, end, organizerId: 'alice', version: 1 };
    return status === 'held'
      ? { ...facts, status, heldBy: 'alice', expiresAt: isoOf(NOW + expiresIn * SLOT), title: 'x' }
      : { ...facts, status };
  });

const ids = (entries: readonly Entry[]): string[] =>
  entries.map((entry) => `${entry.id} ${entry.start} ${entry.end}`).sort();

/** Same entries with the same intervals, sorted by start; the order among equal starts is free. */
const expectSame = (carried: IntervalIndex<Entry>, built: IntervalIndex<Entry>) => {
  const rows = (index: IntervalIndex<Entry>) =>
    index.entries.map((entry, i) => {
      expect([startAt(index, i), endAt(index, i)]).toEqual([msOf(entry.start), msOf(entry.end)]);
      if (i > 0) expect(startAt(index, i - 1)).toBeLessThanOrEqual(startAt(index, i));
      expect(index.longest).toBeGreaterThanOrEqual(endAt(index, i) - startAt(index, i));
      return `${entry.id} ${entry.start} ${entry.end}`;
    });
  expect(carried.spans).toHaveLength(2 * carried.entries.length);
  expect(rows(carried).sort()).toEqual(rows(built).sort());
};
