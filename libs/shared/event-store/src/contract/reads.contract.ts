/// <reference types="jest" />
import { compareCheckpoints, type RecordedEvent } from '..';
import { collect, idsOf, someEvents, uniqueCategory, waitFor, type SubjectAccessor } from './support';

export function describeReads(subject: SubjectAccessor): void {
  describe('Reading a stream', () => {
    const stream = `${uniqueCategory('read')}-1`;
    const events = someEvents(10);
    const revisions = (read: RecordedEvent[]): bigint[] => read.map((event) => event.revision);

    beforeAll(async () => {
      // Several appends, so the read crosses append boundaries too.
      await subject().store.append(stream, events.slice(0, 4), { expected: 'no_stream' });
      await subject().store.append(stream, events.slice(4), { expected: 3n });
    });

    it('reads forwards from the start, in pages smaller than the stream', async () => {
      const read = await collect(subject().store.readStream(stream, { batchSize: 3 }));
      expect(revisions(read)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
      expect(idsOf(read)).toEqual(idsOf(events));
    });

    it('reads forwards from a revision, up to a limit', async () => {
      const read = await collect(subject().store.readStream(stream, { from: 3n, limit: 4, batchSize: 3 }));
      expect(revisions(read)).toEqual([3n, 4n, 5n, 6n]);
    });

    it('reads backwards from the end, up to a limit', async () => {
      const read = await collect(subject().store.readStream(stream, { direction: 'backwards', limit: 3 }));
      expect(revisions(read)).toEqual([9n, 8n, 7n]);
    });

    it('reads backwards from a revision, through the whole stream', async () => {
      const read = await collect(
        subject().store.readStream(stream, { direction: 'backwards', from: 5n, batchSize: 2 }),
      );
      expect(revisions(read)).toEqual([5n, 4n, 3n, 2n, 1n, 0n]);
    });

    it('reads nothing past either end, and nothing of a stream that does not exist', async () => {
      const { store } = subject();
      expect(await collect(store.readStream(stream, { from: 10n }))).toEqual([]);
      expect(await collect(store.readStream(stream, { limit: 0 }))).toEqual([]);
      expect(await collect(store.readStream(`${uniqueCategory('none')}-1`))).toEqual([]);
      expect(
        await collect(store.readStream(`${uniqueCategory('none')}-1`, { direction: 'backwards' })),
      ).toEqual([]);
    });

    it('stops reading when the reader stops', async () => {
      const read: bigint[] = [];
      for await (const event of subject().store.readStream(stream, { batchSize: 2 })) {
        read.push(event.revision);
        if (read.length === 3) break;
      }
      expect(read).toEqual([0n, 1n, 2n]);
    });
  });

  describe('Reading $all', () => {
    it('reads every stream in one global order, from a checkpoint (exclusive)', async () => {
      const { store } = subject();
      const category = uniqueCategory('all');
      const [a, b, c] = ['a', 'b', 'c'].map((name) => `${category}-${name}`);
      const written = [
        { stream: a, events: someEvents(2) },
        { stream: b, events: someEvents(1) },
        { stream: a, events: someEvents(1) },
        { stream: c, events: someEvents(3) },
      ];
      for (const { stream, events } of written) await store.append(stream, events);
      const appendOrder = written.flatMap(({ events }) => idsOf(events));

      const ours = (events: RecordedEvent[]): RecordedEvent[] =>
        events.filter((event) => event.streamName.startsWith(`${category}-`));
      const everything = await waitFor(async () => {
        const read = ours(await collect(store.readAll({ batchSize: 4 })));
        expect(idsOf(read)).toEqual(appendOrder);
        return read;
      });
      for (let i = 1; i < everything.length; i++) {
        expect(compareCheckpoints(everything[i - 1].checkpoint, everything[i].checkpoint)).toBe(-1);
      }
      expect(everything.map((event) => event.streamName)).toEqual([a, a, b, a, c, c, c]);

      const afterThird = ours(await collect(store.readAll({ from: everything[2].checkpoint })));
      expect(idsOf(afterThird)).toEqual(appendOrder.slice(3));

      const limited = await collect(
        store.readAll({ from: everything[2].checkpoint, categories: [category], limit: 2 }),
      );
      expect(limited).toHaveLength(2);
      expect(limited[0].eventId).toBe(everything[3].eventId);
    });

    it('reads only the categories asked for', async () => {
      const { store } = subject();
      const [wanted, alsoWanted, other] = [
        uniqueCategory('want'),
        uniqueCategory('also'),
        uniqueCategory('other'),
      ];
      await store.append(`${wanted}-1`, someEvents(2));
      await store.append(`${other}-1`, someEvents(2));
      await store.append(`${alsoWanted}-1`, someEvents(1));
      await store.append(`${wanted}-2`, someEvents(1));

      await waitFor(async () => {
        const read = await collect(store.readAll({ categories: [wanted, alsoWanted], batchSize: 2 }));
        expect(read.map((event) => event.streamName)).toEqual([
          `${wanted}-1`,
          `${wanted}-1`,
          `${alsoWanted}-1`,
          `${wanted}-2`,
        ]);
      });
    });
  });
}
