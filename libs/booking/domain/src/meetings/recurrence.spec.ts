import { Temporal } from 'temporal-polyfill';
import { BERLIN, details, hourLater, week, WEEKLY } from './meeting.fixtures';
import type { MeetingDetails, RecurrenceRule } from './meeting.model';
import { expandSeries, MAX_OCCURRENCES, rruleText } from './recurrence';

describe('Recurrence', () => {
  describe('When a weekly Berlin meeting runs through 2027', () => {
    let year: string[] = [];
    let byDate = new Map<string, string>();
    beforeAll(() => {
      year = series({ start: '2027-01-04T08:00:00Z', rule: { frequency: 'weekly', count: 52 } });
      byDate = new Map(year.map((start) => [wall(start, BERLIN).slice(0, 10), start]));
    });

    it('stays at 09:00 local every Monday across the March and October changes', () => {
      expect(year).toHaveLength(52);
      expect(new Set(year.map((start) => wall(start, BERLIN).slice(10)))).toEqual(new Set(['T09:00']));
      expect(year.map((start) => Temporal.Instant.from(start).toZonedDateTimeISO(BERLIN).dayOfWeek)).toEqual(
        Array(52).fill(1),
      );
      expect(pick(byDate, ['2027-03-22', '2027-03-29', '2027-10-25', '2027-11-01'])).toEqual([
        '2027-03-22T08:00:00Z',
        '2027-03-29T07:00:00Z',
        '2027-10-25T07:00:00Z',
        '2027-11-01T08:00:00Z',
      ]);
    });

    it('is at the right local time in New York, also in the weeks the US changes apart from Europe', () => {
      const newYork = pick(byDate, [
        '2027-03-08',
        '2027-03-15',
        '2027-03-22',
        '2027-03-29',
        '2027-10-25',
        '2027-11-01',
        '2027-11-08',
      ]);
      expect(newYork.map((start) => wall(start, 'America/New_York'))).toEqual([
        '2027-03-08T03:00', // both on standard time
        '2027-03-15T04:00', // the US moved on 14 March, Europe not yet
        '2027-03-22T04:00',
        '2027-03-29T03:00', // both on summer time
        '2027-10-25T03:00',
        '2027-11-01T04:00', // Europe moved back on 31 October, the US only on 7 November
        '2027-11-08T03:00',
      ]);
    });

    it('is at the right local time in Tokyo, which has no DST', () => {
      expect(
        pick(byDate, ['2027-03-22', '2027-03-29', '2027-10-25', '2027-11-01']).map((s) =>
          wall(s, 'Asia/Tokyo'),
        ),
      ).toEqual(['2027-03-22T17:00', '2027-03-29T16:00', '2027-10-25T16:00', '2027-11-01T17:00']);
    });

    it('lasts exactly its duration on every occurrence', () => {
      const occurrences = expandSeries(
        meeting({ start: '2027-01-04T08:00:00Z', rule: { frequency: 'weekly', count: 52 } }),
        everything,
      ).occurrences;
      expect(new Set(occurrences.map((o) => Date.parse(o.end) - Date.parse(o.start)))).toEqual(
        new Set([3_600_000]),
      );
    });
  });

  describe('When a 52-week series has an EXDATE', () => {
    it('leaves that one occurrence out', () => {
      const skipped = '2027-06-14T07:00:00Z';
      const starts = series({
        start: '2027-01-04T08:00:00Z',
        rule: { frequency: 'weekly', count: 52 },
        exdates: [skipped],
      });
      expect(starts).toHaveLength(51);
      expect(starts).not.toContain(skipped);
      expect(starts).toContain('2027-06-07T07:00:00Z');
      expect(starts).toContain('2027-06-21T07:00:00Z');
    });
  });

  describe('When the rule is monthly, yearly or daily', () => {
    it('finds the 2nd Tuesday and the last Friday of each month', () => {
      expect(
        series({
          start: '2027-01-12T09:00:00Z',
          rule: { frequency: 'monthly', byWeekday: ['tue'], weekdayPosition: 2, count: 4 },
        }),
      ).toEqual([
        '2027-01-12T09:00:00Z',
        '2027-02-09T09:00:00Z',
        '2027-03-09T09:00:00Z',
        '2027-04-13T08:00:00Z',
      ]);
      expect(
        series({
          start: '2027-01-29T09:00:00Z',
          rule: { frequency: 'monthly', byWeekday: ['fri'], weekdayPosition: -1, count: 3 },
        }),
      ).toEqual(['2027-01-29T09:00:00Z', '2027-02-26T09:00:00Z', '2027-03-26T09:00:00Z']);
    });

    it('skips months without the day, as RFC 5545 says', () => {
      expect(
        series({
          start: '2027-01-31T09:00:00Z',
          rule: { frequency: 'monthly', byMonthDay: [31], count: 4 },
        }).map((s) => s.slice(0, 10)),
      ).toEqual(['2027-01-31', '2027-03-31', '2027-05-31', '2027-07-31']);
    });

    it('finds the 4th Thursday of November every year in New York', () => {
      const thanksgiving = series({
        start: '2027-11-25T17:00:00Z',
        timeZone: 'America/New_York',
        rule: { frequency: 'yearly', byMonth: [11], byWeekday: ['thu'], weekdayPosition: 4, count: 3 },
      });
      expect(thanksgiving.map((s) => wall(s, 'America/New_York'))).toEqual([
        '2027-11-25T12:00',
        '2028-11-23T12:00',
        '2029-11-22T12:00',
      ]);
    });

    it('takes UNTIL as inclusive, and INTERVAL', () => {
      expect(
        series({ start: week(1), rule: { frequency: 'daily', interval: 2, until: '2027-03-07T08:00:00Z' } }),
      ).toEqual([
        '2027-03-01T08:00:00Z',
        '2027-03-03T08:00:00Z',
        '2027-03-05T08:00:00Z',
        '2027-03-07T08:00:00Z',
      ]);
    });
  });

  describe('When a local time falls into a DST gap or overlap', () => {
    it('moves a time in the spring-forward gap later by the gap (02:30 → 03:30)', () => {
      const starts = series({ start: '2027-03-27T01:30:00Z', rule: { frequency: 'daily', count: 3 } });
      expect(starts.map((s) => wall(s, BERLIN))).toEqual([
        '2027-03-27T02:30',
        '2027-03-28T03:30',
        '2027-03-29T02:30',
      ]);
    });

    it('takes the earlier of the two 02:30s at fall-back', () => {
      const starts = series({ start: '2027-10-30T00:30:00Z', rule: { frequency: 'daily', count: 3 } });
      expect(starts).toEqual(['2027-10-30T00:30:00Z', '2027-10-31T00:30:00Z', '2027-11-01T01:30:00Z']);
    });
  });

  describe('When the series is endless or the window is large', () => {
    const daily = () => meeting({ start: week(1), rule: { frequency: 'daily' } });

    it('expands only the window, including an occurrence that began before it', () => {
      const week2 = expandSeries(daily(), { from: '2027-03-10T08:30:00Z', to: '2027-03-17T08:00:00Z' });
      expect(week2.occurrences.map((o) => o.start.slice(0, 10))).toEqual([
        '2027-03-10',
        '2027-03-11',
        '2027-03-12',
        '2027-03-13',
        '2027-03-14',
        '2027-03-15',
        '2027-03-16',
      ]);
      expect(week2.truncated).toBe(false);
    });

    it(`stops at maxOccurrences, and never returns more than ${MAX_OCCURRENCES}`, () => {
      expect(expandSeries(daily(), everything, { maxOccurrences: 3 })).toMatchObject({ truncated: true });
      expect(expandSeries(daily(), everything, { maxOccurrences: 3 }).occurrences).toHaveLength(3);
      const decade = expandSeries(
        daily(),
        { from: '2027-01-01T00:00:00Z', to: '2037-01-01T00:00:00Z' },
        { maxOccurrences: 5_000 },
      );
      expect(decade.occurrences).toHaveLength(MAX_OCCURRENCES);
      expect(decade.truncated).toBe(true);
    });

    it('shows an occurrence moved into the window, and not one moved out of it', () => {
      const moved = details({
        recurrence: WEEKLY,
        overrides: [
          {
            originalStart: week(3),
            start: '2027-03-09T10:00:00Z',
            end: '2027-03-09T11:00:00Z',
            title: 'Moved',
            responses: {},
          },
        ],
      });
      expect(
        expandSeries(moved, { from: '2027-03-09T00:00:00Z', to: '2027-03-10T00:00:00Z' }).occurrences,
      ).toEqual([
        expect.objectContaining({
          originalStart: week(3),
          start: '2027-03-09T10:00:00Z',
          title: 'Moved',
          overridden: true,
        }),
      ]);
      expect(expandSeries(moved, { from: week(3), to: hourLater(week(3)) }).occurrences).toEqual([]);
    });
  });

  describe('When written for iCalendar', () => {
    it('spells the rule as an RRULE value', () => {
      expect(
        rruleText({
          frequency: 'weekly',
          interval: 2,
          byWeekday: ['mon', 'wed'],
          until: '2027-12-31T22:59:59Z',
        }),
      ).toBe('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20271231T225959Z');
      expect(rruleText({ frequency: 'monthly', byWeekday: ['fri'], weekdayPosition: -1, count: 6 })).toBe(
        'FREQ=MONTHLY;BYDAY=-1FR;COUNT=6',
      );
      expect(rruleText({ frequency: 'yearly', byMonth: [11], byMonthDay: [1] })).toBe(
        'FREQ=YEARLY;BYMONTHDAY=1;BYMONTH=11',
      );
    });
  });
});

// Fixtures
const everything = { from: '2026-01-01T00:00:00Z', to: '2031-01-01T00:00:00Z' };
interface SeriesArgs {
  start: string;
  rule: RecurrenceRule;
  exdates?: string[];
  timeZone?: string;
}
function meeting({ start, rule, exdates = [], timeZone = BERLIN }: SeriesArgs): MeetingDetails {
  return details({ start, end: hourLater(start), timeZone, recurrence: { rule, exdates } });
}
function series(args: SeriesArgs): string[] {
  return expandSeries(meeting(args), everything).occurrences.map((o) => o.start);
}
function wall(instant: string, zone: string): string {
  return Temporal.Instant.from(instant).toZonedDateTimeISO(zone).toPlainDateTime().toString().slice(0, 16);
}
function pick(byDate: Map<string, string>, dates: string[]): string[] {
  return dates.map((date) => byDate.get(date) ?? `missing ${date}`);
}
