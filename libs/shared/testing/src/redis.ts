import { uniqueSuffix } from './stack';

/** A key prefix owned by one test, so tests sharing the Redis server never collide. */
export function testRedisPrefix(name: string): string {
  return `test:${name}:${uniqueSuffix()}:`;
}
