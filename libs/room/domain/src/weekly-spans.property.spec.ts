import fc from 'fast-check';
import { WEEKDAYS, type OpeningSpan } from '@roomledger/booking-domain';
import { WEEK_MINUTES, firstOverlap, weekRangesOf } from './weekly-spans';

/** The brute-force model: mark every minute of the week each span covers. */
const minutesCovered = (span: OpeningSpan): number[] => {
  const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
  const day = WEEKDAYS.indexOf(span.weekday) * 1440;
  const opens = toMinutes(span.opens);
  const closes = span.closes === '24:00' ? 1440 : toMinutes(span.closes);
  const end = span.closes !== '24:00' && closes <= opens ? closes + 1440 : closes;
  const covered: number[] = [];
  for (let minute = day + opens; minute < day + end; minute++) covered.push(minute % WEEK_MINUTES);
  return covered;
};

const modelOverlaps = (spans: readonly OpeningSpan[]): boolean => {
  const seen = new Set<number>();
  for (const span of spans) {
    const mine = new Set(minutesCovered(span));
    for (const minute of mine) if (seen.has(minute)) return true;
    mine.forEach((minute) => seen.add(minute));
  }
  return false;
};

// Quarter hours keep collisions (touching and overlapping spans) frequent.
const time = fc
  .integer({ min: 0, max: 95 })
  .map((q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`);
const span: fc.Arbitrary<OpeningSpan> = fc.record({
  weekday: fc.constantFrom(...WEEKDAYS),
  opens: time,
  closes: fc.oneof(time, fc.constant('24:00')),
});

describe('Weekly opening spans', () => {
  it('overlap exactly when some minute of the week is covered twice (brute-force model)', () => {
    fc.assert(
      fc.property(fc.array(span, { maxLength: 6 }), (spans) => {
        expect(firstOverlap(spans) !== undefined).toBe(modelOverlaps(spans));
      }),
      { numRuns: 2_000 },
    );
  });

  it('cover as many minutes as the model, within the week', () => {
    fc.assert(
      fc.property(span, (one) => {
        const ranges = weekRangesOf(one);
        const length = ranges.reduce((sum, range) => sum + range.end - range.start, 0);
        expect(length).toBe(minutesCovered(one).length);
        for (const range of ranges) {
          expect(range.start).toBeGreaterThanOrEqual(0);
          expect(range.end).toBeLessThanOrEqual(WEEK_MINUTES);
        }
      }),
    );
  });

  it('name the later of the first overlapping pair', () => {
    const spans: OpeningSpan[] = [
      { weekday: 'mon', opens: '08:00', closes: '12:00' },
      { weekday: 'mon', opens: '12:00', closes: '13:00' },
      { weekday: 'sun', opens: '20:00', closes: '09:00' },
    ];
    expect(firstOverlap(spans)).toEqual({ earlier: 0, later: 2 });
  });
});
