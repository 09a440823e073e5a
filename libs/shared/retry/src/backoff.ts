/** How long to wait between attempts: exponential, capped, with jitter. */
export interface Backoff {
  /** Delay before the second attempt (default 100 ms). */
  readonly initialDelayMs?: number;
  /** Longest delay (default 2 000 ms). */
  readonly maxDelayMs?: number;
  /** Growth per attempt (default 2). */
  readonly multiplier?: number;
  /** Fraction of the delay drawn at random, 0..1 (default 0.5): instances do not retry in step. */
  readonly jitter?: number;
}

/**
 * The delay after the `failedAttempts`-th failure (1-based): `initial * multiplier^(n-1)`, capped at
 * `maxDelayMs`, of which the `jitter` fraction is random (`random` in [0, 1), injectable for tests).
 */
export function backoffDelay(
  failedAttempts: number,
  backoff: Backoff = {},
  random: () => number = Math.random,
): number {
  const initial = backoff.initialDelayMs ?? 100;
  const max = backoff.maxDelayMs ?? 2_000;
  const multiplier = backoff.multiplier ?? 2;
  const jitter = Math.min(1, Math.max(0, backoff.jitter ?? 0.5));
  const exponent = Math.max(0, Math.floor(failedAttempts) - 1);
  const capped = Math.min(max, initial * multiplier ** exponent);
  return Math.round(capped * (1 - jitter) + capped * jitter * random());
}
