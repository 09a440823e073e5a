import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { testRedisPrefix, testStack } from '@roomledger/testing';
import { Redis } from 'ioredis';
import { IdempotencyStore, requestHash, type StoredResponse } from './idempotency';

describe('The Idempotency-Key store, on the real Redis', () => {
  const prefix = `${testRedisPrefix('idempotency')}keys`;
  const ttlSeconds = 3_600;
  const redis = new Redis(testStack.redisUrl);
  const store = new IdempotencyStore(redis, { ttlSeconds, lockSeconds: 30, prefix });
  const created: StoredResponse = {
    status: 201,
    headers: { 'content-type': 'application/json', location: '/v1/bookings/b-1' },
    body: '{"id":"b-1","status":"confirmed"}',
  };
  const booking = requestHash('POST', '/v1/bookings', { roomId: 'r-1', start: '2030-01-07T09:00:00Z' });
  const anotherBooking = requestHash('POST', '/v1/bookings', {
    roomId: 'r-2',
    start: '2030-01-07T09:00:00Z',
  });
  const caller = () => `user-${randomUUID()}`;

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  describe('A request with a new key', () => {
    it('runs, and a retry after it completed gets the same response again', async () => {
      const [scope, key] = [caller(), randomUUID()];

      expect(await store.claim(scope, key, booking)).toEqual({ outcome: 'first' });
      await store.complete(scope, key, booking, created);

      expect(await store.claim(scope, key, booking)).toEqual({ outcome: 'replay', response: created });
      expect(await store.claim(scope, key, booking)).toEqual({ outcome: 'replay', response: created });
    });

    it('is stored as one JSON value under prefix:scope:key, kept for ttlSeconds once completed', async () => {
      const [scope, key] = [caller(), randomUUID()];
      await store.claim(scope, key, booking);
      const lockMs = await redis.pttl(`${prefix}:${scope}:${key}`);
      expect(lockMs).toBeGreaterThan(25_000);
      expect(lockMs).toBeLessThanOrEqual(30_000);

      await store.complete(scope, key, booking, created);
      const keptMs = await redis.pttl(`${prefix}:${scope}:${key}`);
      expect(keptMs).toBeGreaterThan((ttlSeconds - 5) * 1000);
      expect(keptMs).toBeLessThanOrEqual(ttlSeconds * 1000);
      expect(JSON.parse((await redis.get(`${prefix}:${scope}:${key}`))!)).toMatchObject({
        response: created,
      });
    });

    it('is a key of its caller only: another caller with the same key runs its own request', async () => {
      const key = randomUUID();
      const [alice, bob] = [caller(), caller()];
      await store.claim(alice, key, booking);
      await store.complete(alice, key, booking, created);

      expect(await store.claim(bob, key, booking)).toEqual({ outcome: 'first' });
    });
  });

  describe('A retry while the first request still runs', () => {
    it('is told it is in progress', async () => {
      const [scope, key] = [caller(), randomUUID()];
      await store.claim(scope, key, booking);

      expect(await store.claim(scope, key, booking)).toEqual({ outcome: 'in_progress' });
    });

    it('of many at once, exactly one runs; the others are told it is in progress', async () => {
      const connections = Array.from({ length: 4 }, () => new Redis(testStack.redisUrl));
      try {
        const instances = connections.map(
          (connection) => new IdempotencyStore(connection, { ttlSeconds, lockSeconds: 30, prefix }),
        );
        const [scope, key] = [caller(), randomUUID()];
        const claims = await Promise.all(
          Array.from({ length: 20 }, (_, i) => instances[i % instances.length].claim(scope, key, booking)),
        );

        expect(claims.filter((claim) => claim.outcome === 'first')).toHaveLength(1);
        expect(claims.filter((claim) => claim.outcome === 'in_progress')).toHaveLength(19);
      } finally {
        await Promise.all(connections.map((connection) => connection.quit()));
      }
    });
  });

  describe('The same key with another request', () => {
    it('is refused as reused while the first request runs', async () => {
      const [scope, key] = [caller(), randomUUID()];
      await store.claim(scope, key, booking);

      expect(await store.claim(scope, key, anotherBooking)).toEqual({ outcome: 'reused' });
    });

    it('is refused as reused after the first request completed, and does not replace its response', async () => {
      const [scope, key] = [caller(), randomUUID()];
      await store.claim(scope, key, booking);
      await store.complete(scope, key, booking, created);

      expect(await store.claim(scope, key, anotherBooking)).toEqual({ outcome: 'reused' });
      await store.complete(scope, key, anotherBooking, { status: 200, headers: {}, body: '{}' });
      expect(await store.claim(scope, key, booking)).toEqual({ outcome: 'replay', response: created });
    });
  });

  describe('A request released without a response worth keeping (5xx)', () => {
    it('runs again on the next retry', async () => {
      const [scope, key] = [caller(), randomUUID()];
      await store.claim(scope, key, booking);
      await store.release(scope, key);

      expect(await store.claim(scope, key, booking)).toEqual({ outcome: 'first' });
    });

    it('cannot take back a response already completed', async () => {
      const [scope, key] = [caller(), randomUUID()];
      await store.claim(scope, key, booking);
      await store.complete(scope, key, booking, created);
      await store.release(scope, key);

      expect(await store.claim(scope, key, booking)).toEqual({ outcome: 'replay', response: created });
    });
  });

  describe('A request whose gateway died mid-request', () => {
    it('holds its key for lockSeconds, then a retry runs it again', async () => {
      const shortLock = new IdempotencyStore(redis, { ttlSeconds, lockSeconds: 1, prefix });
      const [scope, key] = [caller(), randomUUID()];
      await shortLock.claim(scope, key, booking);
      expect(await shortLock.claim(scope, key, booking)).toEqual({ outcome: 'in_progress' });

      await sleep(1_100);
      expect(await shortLock.claim(scope, key, booking)).toEqual({ outcome: 'first' });
    });
  });
});
