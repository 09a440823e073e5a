import { Redis } from 'ioredis';
import { testRedisPrefix } from '../redis';
import { testStack } from '../stack';

describe('Redis on the test stack', () => {
  const redis = new Redis(testStack.redisUrl, { keyPrefix: testRedisPrefix('smoke') });

  afterAll(() => redis.quit());

  it('round-trips a key with an expiry under the test prefix', async () => {
    await redis.set('greeting', 'hello', 'EX', 30);
    expect(await redis.get('greeting')).toBe('hello');
    expect(await redis.ttl('greeting')).toBeGreaterThan(0);
  });

  it('keeps an append-only file, so idempotency records and delayed jobs survive a restart', async () => {
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as [string, string];
    expect(appendonly).toBe('yes');
  });
});
