import { backoffDelay } from './backoff';

describe('Backoff between attempts at one message', () => {
  const noJitter = { initialDelayMs: 100, maxDelayMs: 2_000, jitter: 0 };

  it('doubles from the initial delay', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, noJitter))).toEqual([
      100, 200, 400, 800, 1_600,
    ]);
  });

  it('never exceeds the longest delay', () => {
    expect(backoffDelay(6, noJitter)).toBe(2_000);
    expect(backoffDelay(60, noJitter)).toBe(2_000);
  });

  it('draws the jitter fraction at random, within [delay * (1 - jitter), delay]', () => {
    const options = { initialDelayMs: 400, jitter: 0.5 };
    expect(backoffDelay(1, options, () => 0)).toBe(200);
    expect(backoffDelay(1, options, () => 0.5)).toBe(300);
    expect(backoffDelay(1, options, () => 0.999_999)).toBe(400);
  });

  it('uses 100 ms doubling to 2 s with half the delay random by default', () => {
    expect(backoffDelay(1, {}, () => 1)).toBe(100);
    expect(backoffDelay(1, {}, () => 0)).toBe(50);
    expect(backoffDelay(10, {}, () => 1)).toBe(2_000);
  });

  it('grows by the given multiplier', () => {
    expect(backoffDelay(3, { initialDelayMs: 10, multiplier: 3, jitter: 0 })).toBe(90);
  });
});
