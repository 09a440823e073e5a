import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { WEEKDAYS, type Weekday } from '../opening-hours';
import { details } from './meeting.fixtures';
import { expandSeries } from './recurrence';

/**
 * Daily and weekly rules against a brute-force model that walks the local calendar day by day:
 * a day is in the series when it is `interval` days (daily) or weeks (weekly, weeks starting on
 * Monday, on the listed weekdays) from the start, up to COUNT; each such local date at the start's
 * wall-clock time is then placed in the zone. Zones with and without DST, starts in 2026-2028, so
 * many series cross a DST change.
 */
describe('Recurrence against a day-by-day model', () => {
  it('generates the same occurrences at the same wall-clock time', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'Europe/Berlin',
          'America/New_York',
          'Australia/Sydney',
          'Asia/Tokyo',
          'Asia/Kolkata',
          'UTC',
        ),
        fc.integer({ min: 0, max: 3 * 365 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 15, 30, 45),
        fc.constantFrom('daily' as const, 'weekly' as const),
        fc.integer({ min: 1, max: 3 }),
        fc.subarray([...WEEKDAYS], { minLength: 1 }),
        fc.integer({ min: 1, max: 40 }),
        (zone, dayOffset, hour, minute, frequency, interval, days, count) => {
          const firstDate = Temporal.PlainDate.from('2026-01-01').add({ days: dayOffset });
          const start = firstDate.toZonedDateTime({
            timeZone: zone,
            plainTime: Temporal.PlainTime.from({ hour, minute }),
          });
          // The start must be an occurrence: its weekday is one of the days.
          const weekdays: Weekday[] = [...new Set([...days, WEEKDAYS[start.dayOfWeek - 1]])];
          const rule =
            frequency === 'daily'
              ? { frequency, interval, count }
              : { frequency, interval, count, byWeekday: weekdays };
          const meeting = details({
            start: iso(start.epochMilliseconds),
            end: iso(start.epochMilliseconds + 30 * 60_000),
            timeZone: zone,
            recurrence: { rule, exdates: [] },
          });
          const actual = expandSeries(meeting, {
            from: '2025-12-01T00:00:00Z',
            to: '2032-01-01T00:00:00Z',
          }).occurrences;
          const expected = model(start, frequency, interval, weekdays, count);
          expect(actual.map((o) => o.start)).toEqual(expected);
          // Same wall-clock time as the start, unless that time does not exist on the day (DST gap).
          for (const o of actual) {
            const local = Temporal.Instant.from(o.start).toZonedDateTimeISO(zone);
            const wanted = local
              .toPlainDate()
              .toZonedDateTime({ timeZone: zone, plainTime: start.toPlainTime() });
            if (wanted.toPlainTime().equals(start.toPlainTime()))
              expect(local.toPlainTime().equals(start.toPlainTime())).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

// Fixtures: the model.
function model(
  start: Temporal.ZonedDateTime,
  frequency: 'daily' | 'weekly',
  interval: number,
  days: Weekday[],
  count: number,
): string[] {
  const first = start.toPlainDate();
  const mondayOf = (date: Temporal.PlainDate) => date.subtract({ days: date.dayOfWeek - 1 });
  const result: string[] = [];
  for (let date = first; result.length < count; date = date.add({ days: 1 })) {
    const inSeries =
      frequency === 'daily'
        ? first.until(date).days % interval === 0
        : (mondayOf(first).until(mondayOf(date)).days / 7) % interval === 0 &&
          days.includes(WEEKDAYS[date.dayOfWeek - 1]);
    if (inSeries)
      result.push(
        iso(
          date.toZonedDateTime({ timeZone: start.timeZoneId, plainTime: start.toPlainTime() })
            .epochMilliseconds,
        ),
      );
  }
  return result;
}
function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
