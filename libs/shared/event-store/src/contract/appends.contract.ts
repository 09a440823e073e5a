/// <reference types="jest" />
import { randomUUID } from 'node:crypto';
import {
  EventIdConflict,
  InvalidEventStoreRequest,
  UnstorableEventData,
  WrongExpectedVersion,
  isCheckpoint,
  type ExpectedState,
  type StreamState,
} from '..';
import { anEvent, collect, idsOf, someEvents, uniqueCategory, type SubjectAccessor } from './support';

export function describeAppends(subject: SubjectAccessor): void {
  describe('Appending', () => {
    it('stores events with their ids, data, typed and extra metadata, revisions and positions', async () => {
      const { store } = subject();
      const stream = `${uniqueCategory('shape')}-1`;
      const metadata = {
        correlationId: randomUUID(),
        causationId: randomUUID(),
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        tenant: 'acme',
        attempt: 2,
      };
      const first = {
        eventId: randomUUID(),
        type: 'HoldPlaced',
        data: { at: '2030-01-01T09:00:00Z', seats: [1, 2] },
        metadata,
      };
      const second = { eventId: randomUUID(), type: 'BookingConfirmed', data: { note: 'ünïcödé ✓' } };

      const result = await store.append(stream, [first, second], { expected: 'no_stream' });

      expect(result.nextExpectedRevision).toBe(1n);
      expect(isCheckpoint(result.checkpoint)).toBe(true);
      const read = await collect(store.readStream(stream));
      expect(read).toHaveLength(2);
      expect(read[0]).toMatchObject({
        eventId: first.eventId,
        type: 'HoldPlaced',
        data: first.data,
        metadata,
        streamName: stream,
        revision: 0n,
      });
      expect(read[1]).toMatchObject({
        eventId: second.eventId,
        data: second.data,
        metadata: {},
        revision: 1n,
      });
      expect(read[1].position).toBe(result.position);
      expect(read[1].checkpoint).toBe(result.checkpoint);
      expect(read[0].position).toBeLessThan(read[1].position);
      expect(read[0].checkpoint < read[1].checkpoint).toBe(true);
      expect(read[0].createdAt).toBeInstanceOf(Date);
      expect(Math.abs(read[0].createdAt.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    });

    it('reports the stream state: no stream, then the revision of its last event', async () => {
      const { store } = subject();
      const stream = `${uniqueCategory('state')}-1`;
      expect(await store.streamState(stream)).toBe('no_stream');
      await store.append(stream, someEvents(3));
      expect(await store.streamState(stream)).toBe(2n);
    });

    describe('expected state', () => {
      const cases: {
        expected: ExpectedState;
        onMissing: 'ok' | StreamState;
        onAtRevision1: 'ok' | StreamState;
      }[] = [
        { expected: 'any', onMissing: 'ok', onAtRevision1: 'ok' },
        { expected: 'no_stream', onMissing: 'ok', onAtRevision1: 1n },
        { expected: 'stream_exists', onMissing: 'no_stream', onAtRevision1: 'ok' },
        { expected: 1n, onMissing: 'no_stream', onAtRevision1: 'ok' },
        { expected: 0n, onMissing: 'no_stream', onAtRevision1: 1n },
        { expected: 5n, onMissing: 'no_stream', onAtRevision1: 1n },
      ];

      it.each(cases)('$expected on a missing stream → $onMissing', async ({ expected, onMissing }) => {
        const { store } = subject();
        const stream = `${uniqueCategory('expect')}-1`;
        const append = store.append(stream, [anEvent()], { expected });
        if (onMissing === 'ok') {
          expect((await append).nextExpectedRevision).toBe(0n);
        } else {
          await expect(append).rejects.toThrow(WrongExpectedVersion);
          await expect(append).rejects.toMatchObject({ streamName: stream, expected, actual: onMissing });
          expect(await store.streamState(stream)).toBe('no_stream');
        }
      });

      it.each(cases)(
        '$expected on a stream at revision 1 → $onAtRevision1',
        async ({ expected, onAtRevision1 }) => {
          const { store } = subject();
          const stream = `${uniqueCategory('expect')}-1`;
          await store.append(stream, someEvents(2), { expected: 'no_stream' });
          const append = store.append(stream, someEvents(2), { expected });
          if (onAtRevision1 === 'ok') {
            expect((await append).nextExpectedRevision).toBe(3n);
          } else {
            await expect(append).rejects.toThrow(WrongExpectedVersion);
            await expect(append).rejects.toMatchObject({ expected, actual: onAtRevision1 });
            expect(await store.streamState(stream)).toBe(1n);
          }
        },
      );
    });

    it('lets exactly one of 50 concurrent appends on the same revision win', async () => {
      const { store } = subject();
      const stream = `${uniqueCategory('race')}-1`;
      await store.append(stream, [anEvent()], { expected: 'no_stream' });

      const contenders = Array.from({ length: 50 }, () => anEvent('Decided'));
      const outcomes = await Promise.allSettled(
        contenders.map((event) => store.append(stream, [event], { expected: 0n })),
      );

      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      for (const error of lost) {
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect(error).toMatchObject({ expected: 0n, actual: 1n });
      }
      const events = await collect(store.readStream(stream));
      expect(events.map((event) => event.revision)).toEqual([0n, 1n]);
      const winner = contenders[outcomes.findIndex((outcome) => outcome.status === 'fulfilled')];
      expect(events[1].eventId).toBe(winner.eventId);
    });

    it('lets exactly one of 50 concurrent creations of the same stream win', async () => {
      const { store } = subject();
      const stream = `${uniqueCategory('create')}-1`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 50 }, () => store.append(stream, someEvents(2), { expected: 'no_stream' })),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect(outcome.reason).toBeInstanceOf(WrongExpectedVersion);
          expect(outcome.reason).toMatchObject({ expected: 'no_stream', actual: 1n });
        }
      }
      expect(await collect(store.readStream(stream))).toHaveLength(2);
    });

    describe('re-appending the same event ids', () => {
      it.each<ExpectedState | 'revision'>(['no_stream', 'revision', 'any', 'stream_exists'])(
        'is a no-op reporting success under %s',
        async (kind) => {
          const { store } = subject();
          const stream = `${uniqueCategory('idem')}-1`;
          if (kind !== 'no_stream') await store.append(stream, someEvents(2), { expected: 'no_stream' });
          const expected: ExpectedState = kind === 'revision' ? 1n : kind;
          const events = someEvents(3);

          const first = await store.append(stream, events, { expected });
          const again = await store.append(stream, events, { expected });

          expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
          const stored = await collect(store.readStream(stream));
          expect(stored).toHaveLength(kind === 'no_stream' ? 3 : 5);
          expect(idsOf(stored.slice(-3))).toEqual(idsOf(events));
        },
      );

      it('refuses an append whose ids only partly match what is stored', async () => {
        const { store } = subject();
        const stream = `${uniqueCategory('idem')}-1`;
        const events = someEvents(2);
        await store.append(stream, events, { expected: 'no_stream' });

        const attempt = store.append(stream, [events[0], anEvent()], { expected: 'no_stream' });

        await expect(attempt).rejects.toBeInstanceOf(Error);
        const error = await attempt.catch((reason: unknown) => reason);
        expect(error instanceof EventIdConflict || error instanceof WrongExpectedVersion).toBe(true);
        expect(await store.streamState(stream)).toBe(1n);
      });
    });

    it('refuses appends that can never be valid', async () => {
      const { store } = subject();
      const stream = `${uniqueCategory('invalid')}-1`;
      await expect(store.append(stream, [])).rejects.toBeInstanceOf(InvalidEventStoreRequest);
      await expect(store.append(stream, [{ ...anEvent(), eventId: 'not-a-uuid' }])).rejects.toBeInstanceOf(
        InvalidEventStoreRequest,
      );
      const twice = anEvent();
      await expect(store.append(stream, [twice, twice])).rejects.toBeInstanceOf(InvalidEventStoreRequest);
      await expect(store.append('', [anEvent()])).rejects.toBeInstanceOf(InvalidEventStoreRequest);
      expect(await store.streamState(stream)).toBe('no_stream');
    });

    it('refuses data or metadata holding a NUL character, failing only that append', async () => {
      const { store } = subject();
      const category = uniqueCategory('nul');
      const nul = '\u0000';
      const unstorable = [
        anEvent('Noted', { note: `before${nul}after` }),
        anEvent('Noted', { rows: [{ cells: ['a', ['b', nul]] }] }),
        anEvent('Noted', { tags: { [`key${nul}`]: true } }),
        { ...anEvent(), metadata: { tenant: { name: nul } } },
      ];
      // Text that only reads like an escape, and other control characters, are stored as they are.
      const storable = [
        anEvent('Noted', { note: 'a\\u0000 b \\\\u0000 c' }),
        anEvent('Noted', { note: 'tab\t bell\u0007 unit\u001f', nested: [{ 'key\\u0000': 1 }] }),
        ...someEvents(6),
      ];

      // All at once, so that a store that batches concurrent appends sees them together.
      const outcomes = await Promise.allSettled(
        [...unstorable, ...storable].map((event, n) => store.append(`${category}-${n}`, [event])),
      );

      unstorable.forEach((_, n) => {
        const outcome = outcomes[n];
        expect(outcome.status).toBe('rejected');
        if (outcome.status === 'rejected') {
          expect(outcome.reason).toBeInstanceOf(UnstorableEventData);
          expect(outcome.reason).toBeInstanceOf(InvalidEventStoreRequest);
          expect(outcome.reason).toMatchObject({ code: 'validation_failed' });
        }
      });
      expect(outcomes.slice(unstorable.length).map((outcome) => outcome.status)).toEqual(
        storable.map(() => 'fulfilled'),
      );
      for (const [n] of unstorable.entries()) {
        expect(await store.streamState(`${category}-${n}`)).toBe('no_stream');
      }
      for (const [n, event] of storable.entries()) {
        const [stored] = await collect(store.readStream(`${category}-${unstorable.length + n}`));
        expect(stored).toMatchObject({ eventId: event.eventId, data: event.data });
      }
    });

    it('keeps the latest snapshot of a stream', async () => {
      const { store } = subject();
      const stream = `${uniqueCategory('snap')}-1`;
      expect(await store.loadSnapshot(stream)).toBeUndefined();

      await store.saveSnapshot(stream, 4n, { entries: [{ id: 'a' }], version: 1 });
      await store.saveSnapshot(stream, 9n, { entries: [{ id: 'b' }], version: 1 });

      const snapshot = await store.loadSnapshot<{ entries: { id: string }[] }>(stream);
      expect(snapshot).toMatchObject({
        streamName: stream,
        revision: 9n,
        state: { entries: [{ id: 'b' }], version: 1 },
      });
      expect(snapshot?.createdAt).toBeInstanceOf(Date);
      expect(await collect(store.readStream(stream))).toEqual([]);
    });
  });
}
