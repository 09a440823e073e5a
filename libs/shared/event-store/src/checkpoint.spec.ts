import {
  compareCheckpoints,
  decodeCheckpoint,
  encodeCheckpoint,
  InvalidCheckpoint,
  isCheckpoint,
  laterCheckpoint,
  parseCheckpoint,
} from './checkpoint';
import fc from 'fast-check';

describe('Checkpoints', () => {
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

  it('encode two unsigned 64-bit numbers as fixed-width hex', () => {
    expect(encodeCheckpoint({ major: 0x2an, minor: 7n })).toBe('000000000000002a/0000000000000007');
  });

  it('decode to what was encoded', () => {
    fc.assert(
      fc.property(u64, u64, (major, minor) => {
        expect(decodeCheckpoint(encodeCheckpoint({ major, minor }))).toEqual({ major, minor });
      }),
    );
  });

  it('compare as strings exactly as their parts compare, major first', () => {
    fc.assert(
      fc.property(u64, u64, u64, u64, (a1, a2, b1, b2) => {
        const byParts = a1 === b1 ? Math.sign(Number(a2 - b2)) : Math.sign(Number(a1 - b1));
        const a = encodeCheckpoint({ major: a1, minor: a2 });
        const b = encodeCheckpoint({ major: b1, minor: b2 });
        expect(compareCheckpoints(a, b)).toBe(byParts === 0 ? 0 : byParts);
        expect(a < b).toBe(byParts < 0);
      }),
    );
  });

  it('treat undefined as before everything', () => {
    const first = encodeCheckpoint({ major: 0n, minor: 0n });
    expect(compareCheckpoints(undefined, first)).toBe(-1);
    expect(compareCheckpoints(first, undefined)).toBe(1);
    expect(compareCheckpoints(undefined, undefined)).toBe(0);
    expect(laterCheckpoint(undefined, first)).toBe(first);
  });

  it('refuse anything else', () => {
    for (const value of [
      '',
      '2a/7',
      '000000000000002A/0000000000000007',
      '000000000000002a-0000000000000007',
    ]) {
      expect(isCheckpoint(value)).toBe(false);
      expect(() => parseCheckpoint(value)).toThrow(InvalidCheckpoint);
    }
    expect(() => encodeCheckpoint({ major: -1n, minor: 0n })).toThrow(RangeError);
    expect(() => encodeCheckpoint({ major: 1n << 64n, minor: 0n })).toThrow(RangeError);
  });
});
