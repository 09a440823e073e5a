import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { isoOf, parseInstant } from './instants';

/** Temporal's strict reading: the model `parseInstant` must agree with, whatever path it takes. */
const temporal = (value: string): number | undefined => {
  try {
    return Temporal.Instant.from(value).epochMilliseconds;
  } catch {
    return undefined;
  }
};

describe('parseInstant', () => {
  it('reads canonical UTC instants exactly as Temporal does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
        fc.boolean(),
        (ms, wholeSeconds) => {
          const instant = wholeSeconds ? ms - (((ms % 1000) + 1000) % 1000) : ms;
          const iso = new Date(instant).toISOString();
          for (const value of [iso, iso.replace('.000Z', 'Z')]) {
            expect(parseInstant(value)).toBe(temporal(value));
            expect(parseInstant(value)).toBe(instant);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees with Temporal on strings that only look canonical', () => {
    const digits = (length: number) => fc.stringMatching(new RegExp(`^[0-9]{${length}}$`));
    fc.assert(
      fc.property(
        digits(4),
        digits(2),
        digits(2),
        digits(2),
        digits(2),
        digits(2),
        fc.option(digits(3), { nil: undefined }),
        (year, month, day, hour, minute, second, millisecond) => {
          const fraction = millisecond === undefined ? '' : `.${millisecond}`;
          const value = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}Z`;
          expect(parseInstant(value)).toBe(temporal(value));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    '2026-02-30T09:00:00Z',
    '2026-04-31T00:00:00Z',
    '2024-02-29T23:59:59Z',
    '2026-12-31T23:59:60Z',
    '2026-03-02T24:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-03-02T09:00:00+01:00',
    '2026-03-02T09:00:00',
    '2026-03-02t09:00:00z',
    '2026-03-02T09:00Z',
    '2026-03-02T09:00:00.1Z',
    '2026-03-02T09:00:00.123456Z',
  ])('reads %s as Temporal does', (value) => {
    expect(parseInstant(value)).toBe(temporal(value));
  });
});

describe('isoOf', () => {
  /** What `Date` writes, without the `.000` of whole seconds: the model of the arithmetic. */
  const byDate = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

  it('writes every instant as Date does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }),
        fc.boolean(),
        (ms, wholeSeconds) => {
          const instant = wholeSeconds ? ms - (((ms % 1000) + 1000) % 1000) : ms;
          expect(isoOf(instant)).toBe(byDate(instant));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('writes the four-digit years as Date does, and reads back the same instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(isoOf(ms)).toBe(byDate(ms));
        expect(parseInstant(isoOf(ms))).toBe(ms);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    -62_167_219_200_001, -62_167_219_200_000, -1, 0, 951_782_400_000, 1_709_164_800_000, 4_107_542_399_999,
    253_402_300_799_999, 253_402_300_800_000, 1.5, -0.5,
  ])('writes %p as Date does', (ms) => {
    expect(isoOf(ms)).toBe(byDate(ms));
  });
});
