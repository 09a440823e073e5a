import { freePort, testRedisPrefix, testStack } from '@roomledger/testing';
import { Redis } from 'ioredis';
import { rateLimitHeaders, SlidingWindowLimiter, type RateLimitRule } from './rate-limit';

const MINUTE = 60_000;
/** The start of a fixed one-minute window; explicit times keep each hit's window and weight exact. */
const WINDOW_START = 28_333_334 * MINUTE;

describe('The sliding-window rate limiter, on the real Redis', () => {
  const prefix = `${testRedisPrefix('rate-limit')}rate`;
  const redis = new Redis(testStack.redisUrl);
  const limiter = new SlidingWindowLimiter(redis, { prefix });
  let callers = 0;
  /** A caller nobody else in this run counts against. */
  const caller = () => `caller-${++callers}`;
  const perMinute = (name: string, limit: number): RateLimitRule => ({ name, limit, windowMs: MINUTE });
  const hits = async (count: number, key: string, rule: RateLimitRule, nowMs?: number) => {
    const decisions = [];
    for (let i = 0; i < count; i++) decisions.push(await limiter.hit([{ key, rule }], nowMs));
    return decisions;
  };

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  describe('Within one window', () => {
    it('allows exactly `limit` requests and refuses the rest, telling when to retry', async () => {
      const rule = perMinute('user-writes', 10);
      const decisions = await hits(15, caller(), rule, WINDOW_START + 1_000);

      expect(decisions.map((decision) => decision.allowed)).toEqual([
        ...Array<boolean>(10).fill(true),
        ...Array<boolean>(5).fill(false),
      ]);
      expect(decisions.slice(0, 10).map((decision) => decision.remaining)).toEqual([
        9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
      ]);
      for (const refused of decisions.slice(10)) {
        expect(refused).toMatchObject({ allowed: false, rule, remaining: 0 });
        // 59 s to the next window, then 6 s until the 10 it inherits weigh 9 (10 × 54/60).
        expect(refused.retryAfterSeconds).toBe(65);
      }
    });

    it('counts two callers independently', async () => {
      const rule = perMinute('user-reads', 3);
      const [first, second] = [caller(), caller()];
      await hits(3, first, rule, WINDOW_START + 1_000);

      expect((await limiter.hit([{ key: first, rule }], WINDOW_START + 2_000)).allowed).toBe(false);
      expect(await limiter.hit([{ key: second, rule }], WINDOW_START + 2_000)).toMatchObject({
        allowed: true,
        remaining: 2,
      });
    });

    it("counts by the Redis server's clock when no time is given", async () => {
      const rule: RateLimitRule = { name: 'server-clock', limit: 2, windowMs: 10 * MINUTE };
      const decisions = await hits(3, caller(), rule);

      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false]);
      expect(decisions[2].retryAfterSeconds).toBeGreaterThan(0);
    });
  });

  describe('Across windows', () => {
    it("weighs the previous window's count by how much of it the sliding window still overlaps", async () => {
      const rule = perMinute('user-writes', 10);
      const key = caller();
      await hits(10, key, rule, WINDOW_START + 1_000);

      // Half-way through the next window the 10 weigh 5, so 5 more fit.
      const halfWay = WINDOW_START + MINUTE + 30_000;
      const decisions = await hits(6, key, rule, halfWay);
      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, true, false]);
      expect(decisions[0].remaining).toBe(4);
      // One more fits once the 10 weigh 4: at 36 s into the window, not a millisecond earlier.
      expect(decisions[5].retryAfterSeconds).toBe(6);
      expect((await limiter.hit([{ key, rule }], WINDOW_START + MINUTE + 35_999)).allowed).toBe(false);
      expect(await limiter.hit([{ key, rule }], WINDOW_START + MINUTE + 36_000)).toMatchObject({
        allowed: true,
        remaining: 0,
      });
    });

    it('gives the whole limit back after a full window without requests', async () => {
      const rule = perMinute('user-writes', 4);
      const key = caller();
      await hits(4, key, rule, WINDOW_START + 59_000);

      const decisions = await hits(5, key, rule, WINDOW_START + 2 * MINUTE);
      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, false]);
    });

    it('refuses a burst at the boundary that a fixed window would let through twice', async () => {
      const rule = perMinute('user-writes', 10);
      const key = caller();
      await hits(10, key, rule, WINDOW_START + 59_000);

      // One second into the next window the 10 still weigh 9.83: nothing fits.
      const decision = await limiter.hit([{ key, rule }], WINDOW_START + MINUTE + 1_000);
      expect(decision.allowed).toBe(false);
    });
  });

  describe('Under concurrency', () => {
    it('allows exactly `limit` of many simultaneous requests from several gateway instances', async () => {
      const connections = Array.from({ length: 5 }, () => new Redis(testStack.redisUrl));
      try {
        const instances = connections.map((connection) => new SlidingWindowLimiter(connection, { prefix }));
        const rule = perMinute('user-writes', 20);
        const key = caller();
        const decisions = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            instances[i % instances.length].hit([{ key, rule }], WINDOW_START + 1_000),
          ),
        );

        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(20);
        expect(
          decisions
            .filter((decision) => decision.allowed)
            .map((decision) => decision.remaining)
            .sort((a, b) => a - b),
        ).toEqual(Array.from({ length: 20 }, (_, i) => i));
      } finally {
        await Promise.all(connections.map((connection) => connection.quit()));
      }
    });
  });

  describe('With several rules for one request', () => {
    const perUser = perMinute('user-writes', 5);
    const perIp = perMinute('ip-requests', 3);

    it('answers with the rule closest to refusing', async () => {
      const decision = await limiter.hit(
        [
          { key: caller(), rule: perUser },
          { key: caller(), rule: perIp },
        ],
        WINDOW_START + 1_000,
      );

      expect(decision).toMatchObject({ allowed: true, rule: perIp, remaining: 2 });
    });

    it("does not count a request the per-IP rule refuses against the user's quota", async () => {
      const [user, ip, otherIp] = [caller(), caller(), caller()];
      const both = [
        { key: user, rule: perUser },
        { key: ip, rule: perIp },
      ];
      for (let i = 0; i < 3; i++) await limiter.hit(both, WINDOW_START + 1_000);

      const refused = await limiter.hit(both, WINDOW_START + 1_000);
      expect(refused).toMatchObject({ allowed: false, rule: perIp, remaining: 0 });

      // The user made 3 counted requests: 2 more fit, from anywhere.
      const fromElsewhere = [
        { key: user, rule: perUser },
        { key: otherIp, rule: perIp },
      ];
      const decisions = [];
      for (let i = 0; i < 3; i++) decisions.push(await limiter.hit(fromElsewhere, WINDOW_START + 2_000));
      expect(
        decisions.map(({ allowed, rule, remaining }) => ({ allowed, rule: rule.name, remaining })),
      ).toEqual([
        { allowed: true, rule: 'user-writes', remaining: 1 },
        { allowed: true, rule: 'user-writes', remaining: 0 },
        { allowed: false, rule: 'user-writes', remaining: 0 },
      ]);
    });

    it('when several refuse, names the one that clears last', async () => {
      const strict = perMinute('ip-auth', 1);
      const [user, ip] = [caller(), caller()];
      const both = [
        { key: user, rule: perUser },
        { key: ip, rule: strict },
      ];
      for (let i = 0; i < 5; i++) await limiter.hit([{ key: user, rule: perUser }], WINDOW_START + 1_000);
      await limiter.hit([{ key: ip, rule: strict }], WINDOW_START + 1_000);

      const decision = await limiter.hit(both, WINDOW_START + 1_000);
      // per-user: 59 s + 12 s (5 weigh 4 at 48/60); limit 1: 59 s + the whole next window.
      expect(decision).toMatchObject({ allowed: false, rule: strict, retryAfterSeconds: 119 });
    });
  });

  describe('The response headers', () => {
    it('announce limit, remaining quota, reset and policy while allowed', async () => {
      const rule = perMinute('user-reads', 10);
      const decision = await limiter.hit([{ key: caller(), rule }], WINDOW_START + 1_500);

      expect(rateLimitHeaders(decision)).toEqual({
        'RateLimit-Limit': '10',
        'RateLimit-Remaining': '9',
        'RateLimit-Reset': '59',
        'RateLimit-Policy': '10;w=60',
      });
    });

    it('add Retry-After when refused, and reset when the request would be allowed', async () => {
      const rule = perMinute('user-reads', 10);
      const [decision] = (await hits(11, caller(), rule, WINDOW_START + 1_000)).slice(-1);

      expect(rateLimitHeaders(decision)).toEqual({
        'RateLimit-Limit': '10',
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': '65',
        'RateLimit-Policy': '10;w=60',
        'Retry-After': '65',
      });
    });
  });

  describe('When Redis cannot be reached', () => {
    it('rejects, leaving failing open or closed to the caller', async () => {
      const unreachable = new Redis(`redis://127.0.0.1:${await freePort()}`, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        lazyConnect: true,
      });
      unreachable.on('error', () => undefined);
      try {
        const offline = new SlidingWindowLimiter(unreachable, { prefix });
        await expect(offline.hit([{ key: caller(), rule: perMinute('user-reads', 10) }])).rejects.toThrow();
      } finally {
        unreachable.disconnect();
      }
    });
  });

  describe('Refuses rules it cannot count', () => {
    it.each([
      ['a limit of 0', { name: 'zero', limit: 0, windowMs: MINUTE }],
      ['a fractional window', { name: 'fraction', limit: 1, windowMs: 0.5 }],
    ])('%s', async (_, rule) => {
      await expect(limiter.hit([{ key: caller(), rule }])).rejects.toThrow(RangeError);
    });

    it('no rules at all', async () => {
      await expect(limiter.hit([])).rejects.toThrow(RangeError);
    });
  });
});
