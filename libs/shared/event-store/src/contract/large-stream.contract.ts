/// <reference types="jest" />
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { NewEvent } from '..';
import { collect, uniqueCategory, type SubjectAccessor } from './support';

const TOTAL = 100_000;
const PER_APPEND = 1_000;

export function describeLargeStream(subject: SubjectAccessor): void {
  describe('A stream of 100,000 events', () => {
    const stream = `${uniqueCategory('large')}-1`;

    beforeAll(async () => {
      const { store } = subject();
      for (let offset = 0; offset < TOTAL; offset += PER_APPEND) {
        await store.append(stream, eventsFrom(offset), {
          expected: offset === 0 ? 'no_stream' : BigInt(offset - 1),
        });
      }
    });

    it('is read forwards lazily: memory held stays a small fraction of what loading it would take', async () => {
      const { store } = subject();
      const gc = garbageCollector();

      // What holding events in memory costs, measured on a tenth of the stream.
      gc();
      const beforeSample = process.memoryUsage().heapUsed;
      let sample: unknown[] | undefined = await collect(store.readStream(stream, { limit: TOTAL / 10 }));
      gc();
      const wholeStreamBytes = (process.memoryUsage().heapUsed - beforeSample) * 10;
      expect(sample).toHaveLength(TOTAL / 10);
      sample = undefined;

      gc();
      const baseline = process.memoryUsage().heapUsed;
      let peakGrowth = 0;
      let expected = 0n;
      for await (const event of store.readStream(stream)) {
        if (event.revision !== expected)
          throw new Error(`read revision ${event.revision}, expected ${expected}`);
        expected += 1n;
        if (expected % 10_000n === 0n) {
          gc();
          peakGrowth = Math.max(peakGrowth, process.memoryUsage().heapUsed - baseline);
        }
      }

      expect(expected).toBe(BigInt(TOTAL));
      expect(sample).toBeUndefined();
      expect(wholeStreamBytes).toBeGreaterThan(0);
      expect(peakGrowth).toBeLessThan(wholeStreamBytes / 10);
    });

    it('is read backwards from its end', async () => {
      const read = await collect(subject().store.readStream(stream, { direction: 'backwards', limit: 3 }));
      expect(read.map((event) => event.revision)).toEqual([99_999n, 99_998n, 99_997n]);
      expect(read[0].data).toMatchObject({ n: 99_999 });
    });
  });
}

function eventsFrom(offset: number): NewEvent[] {
  return Array.from({ length: PER_APPEND }, (_, i) => ({
    eventId: randomUUID(),
    type: 'SlotRecorded',
    data: { n: offset + i, note: 'x'.repeat(64) },
    metadata: { correlationId: 'large-stream' },
  }));
}

/** A full, synchronous garbage collection, so heap readings measure what is retained, not garbage. */
function garbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
