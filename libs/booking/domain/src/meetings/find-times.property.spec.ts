import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { MINUTE_MS } from '../instants';
import { WEEKDAYS } from '../opening-hours';
import { findTimes, type FindTimesQuery } from './find-times';
import type { WorkingHoursSpan } from './working-hours';

/**
 * The sweep line against a brute-force model that looks at every minute: an attendee is busy for a
 * slot when any of its minutes is in a busy interval, within working hours when every minute is
 * inside a weekly span read on the local clock. Every start time on the grid is judged that way, so
 * the model's full ranked list (and its reason when empty) must equal `findTimes`'s. Windows lie in
 * June 2027, when none of these zones changes its offset (DST has its own example tests); Kolkata's
 * +05:30 keeps the grid honest.
 */
describe('findTimes against a minute-by-minute model', () => {
  it('finds exactly the free slots, ranks them the same and gives the same reason', () => {
    // About a third of the scenarios find times; the rest spread over the three reasons.
    fc.assert(
      fc.property(scenario, (query) => expect(findTimes(query)).toEqual(model(query))),
      { numRuns: 300 },
    );
  });
});

// Fixtures: scenarios and the model.
const T0 = Date.parse('2027-06-07T00:00:00Z');
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Asia/Kolkata'];
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const busyIn = (from: number, length: number) =>
  fc
    .array(
      fc.record({
        at: fc.integer({ min: -120, max: length + 120 }),
        minutes: fc.integer({ min: 1, max: 240 }),
      }),
      { maxLength: 6 },
    )
    .map((list) =>
      list.map(({ at, minutes }) => ({
        start: iso(from + at * MINUTE_MS),
        end: iso(from + (at + minutes) * MINUTE_MS),
      })),
    );

const span: fc.Arbitrary<WorkingHoursSpan> = fc
  .record({
    weekday: fc.constantFrom(...WEEKDAYS),
    start: fc.integer({ min: 0, max: 95 }),
    end: fc.integer({ min: 0, max: 96 }),
  })
  .map(({ weekday, start, end }) => ({
    weekday,
    start: hhmm(start * 15),
    end: end === 96 ? '24:00' : hhmm(end * 15),
  }));

const scenario: fc.Arbitrary<FindTimesQuery> = fc
  .record({
    offset: fc.integer({ min: 0, max: 6 * 24 * 60 }),
    length: fc.integer({ min: 6 * 60, max: 36 * 60 }),
  })
  .chain(({ offset, length }) => {
    const from = T0 + offset * MINUTE_MS;
    return fc.record({
      attendees: fc.uniqueArray(
        fc.record({
          id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
          required: fc.boolean(),
          timeZone: fc.constantFrom(...ZONES),
          workingHours: fc.array(span, { maxLength: 3 }),
          busy: busyIn(from, length),
        }),
        { maxLength: 4, selector: (a) => a.id },
      ),
      durationMinutes: fc.constantFrom(15, 30, 45, 60, 90),
      window: fc.constant({ from: iso(from), to: iso(from + length * MINUTE_MS) }),
      stepMinutes: fc.constantFrom(5, 15, 30, 60),
      maxCandidates: fc.constant(1_000),
      minAttendeeShare: fc.constantFrom(0, 0.5, 0.75, 1),
      rooms: fc.option(
        fc.array(fc.record({ roomId: fc.constantFrom('r1', 'r2'), busy: busyIn(from, length) }), {
          maxLength: 2,
        }),
        { nil: undefined },
      ),
    });
  })
  .map((query) => (query.rooms === undefined ? (({ rooms: _rooms, ...rest }) => rest)(query) : query));

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
const offsetMinutes = (zone: string, at: number) =>
  Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(zone).offsetNanoseconds / 60e9;

/** Whether the local clock at instant `at` is inside one of the weekly spans (empty: always). */
function working(hours: readonly WorkingHoursSpan[], offset: number, at: number): boolean {
  if (hours.length === 0) return true;
  const local = new Date(at + offset * MINUTE_MS);
  const day = (local.getUTCDay() + 6) % 7;
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  return hours.some((h) => {
    const w = WEEKDAYS.indexOf(h.weekday);
    const start = minutesOf(h.start);
    const end = h.end === '24:00' ? 1440 : minutesOf(h.end);
    if (end > start) return day === w && minute >= start && minute < end;
    return (day === w && minute >= start) || (day === (w + 1) % 7 && minute < end);
  });
}

function model(query: FindTimesQuery): ReturnType<typeof findTimes> {
  const from = Date.parse(query.window.from);
  const to = Date.parse(query.window.to);
  const step = (query.stepMinutes ?? 15) * MINUTE_MS;
  const duration = query.durationMinutes * MINUTE_MS;
  // Minute by minute over the window: is it busy, is it working time?
  const grid = Array.from({ length: (to - from) / MINUTE_MS }, (_, i) => from + i * MINUTE_MS);
  const busyMinutes = (spans: readonly { start: string; end: string }[]) => {
    const parsed = spans.map((s) => ({ start: Date.parse(s.start), end: Date.parse(s.end) }));
    return grid.map((m) => parsed.some((s) => s.start <= m && m < s.end));
  };
  const people = query.attendees.map((a) => {
    const offset = offsetMinutes(a.timeZone, from);
    return { ...a, busy: busyMinutes(a.busy), working: grid.map((m) => working(a.workingHours, offset, m)) };
  });
  const rooms = (query.rooms ?? []).map((r) => ({ roomId: r.roomId, busy: busyMinutes(r.busy) }));
  const slot = (g: number) =>
    Array.from({ length: duration / MINUTE_MS }, (_, i) => (g - from) / MINUTE_MS + i);
  const n = people.length;
  const enough = (k: number) => n === 0 || k >= query.minAttendeeShare * n - 1e-9;
  const found: {
    start: number;
    confidence: number;
    attendees: { id: string; availability: string }[];
    rooms: string[];
  }[] = [];
  let anyOpen = false;
  let anyFree = false;
  for (let g = Math.ceil(from / step) * step; g + duration <= to; g += step) {
    const attendees = people.map((a) => {
      const availability = slot(g).some((i) => a.busy[i])
        ? 'busy'
        : slot(g).every((i) => a.working[i])
          ? 'free'
          : 'outside_working_hours';
      return { id: a.id, required: a.required, availability };
    });
    const free = attendees.filter((a) => a.availability === 'free');
    const open = attendees.filter((a) => a.availability !== 'busy');
    if (!attendees.every((a) => !a.required || a.availability !== 'busy') || !enough(open.length)) continue;
    anyOpen = true;
    if (!attendees.every((a) => !a.required || a.availability === 'free') || !enough(free.length)) continue;
    anyFree = true;
    const freeRooms = rooms.filter((r) => !slot(g).some((i) => r.busy[i])).map((r) => r.roomId);
    if (query.rooms && freeRooms.length === 0) continue;
    const confidence = n === 0 ? 1 : (free.length + open.length) / (2 * n);
    found.push({
      start: g,
      confidence,
      attendees: attendees.map(({ id, availability }) => ({ id, availability })),
      rooms: freeRooms,
    });
  }
  if (found.length === 0)
    return {
      candidates: [],
      reason: !anyOpen ? 'attendees_unavailable' : !anyFree ? 'outside_working_hours' : 'no_room',
    };
  found.sort((a, b) => b.confidence - a.confidence || a.start - b.start);
  return {
    candidates: found.slice(0, query.maxCandidates).map((c) => ({
      start: iso(c.start),
      end: iso(c.start + duration),
      confidence: c.confidence,
      attendeeShare: n === 0 ? 1 : c.attendees.filter((a) => a.availability === 'free').length / n,
      attendees: c.attendees as never,
      rooms: c.rooms,
    })),
  };
}
