/// <reference types="jest" />
import { compareCheckpoints, type Checkpoint, type RecordedEvent } from '..';
import {
  anEvent,
  collect,
  idsOf,
  someEvents,
  SubscriptionRecorder,
  uniqueCategory,
  waitFor,
  type SubjectAccessor,
} from './support';

export function describeSubscriptions(subject: SubjectAccessor): void {
  describe('Subscribing', () => {
    it('catches up on history, says so, then delivers new events live', async () => {
      const { store } = subject();
      const category = uniqueCategory('live');
      const history = someEvents(5);
      await store.append(`${category}-1`, history.slice(0, 3));
      await store.append(`${category}-2`, history.slice(3));

      const recorder = new SubscriptionRecorder(store.subscribe({ categories: [category], batchSize: 2 }));
      try {
        await waitFor(() => expect(recorder.caughtUp).toBe(true));
        const firstCaughtUp = recorder.batches.findIndex((batch) => batch.caughtUp);
        const beforeCaughtUp = recorder.batches.slice(0, firstCaughtUp + 1).flatMap((batch) => batch.events);
        expect(idsOf(beforeCaughtUp)).toEqual(idsOf(history));
        expect(recorder.batches.every((batch) => batch.events.length <= 2)).toBe(true);

        const live = anEvent('Live');
        await store.append(`${category}-3`, [live]);
        await waitFor(() => expect(idsOf(recorder.events)).toEqual([...idsOf(history), live.eventId]));
        expect(recorder.lastCheckpoint).toBe(recorder.events.at(-1)?.checkpoint);
      } finally {
        await recorder.stop();
      }
    });

    it('reports being caught up with an empty batch when there is nothing to read', async () => {
      const { store } = subject();
      const recorder = new SubscriptionRecorder(store.subscribe({ categories: [uniqueCategory('empty')] }));
      try {
        await waitFor(() => expect(recorder.caughtUp).toBe(true));
        expect(recorder.batches[0]).toEqual({ events: [], checkpoint: undefined, caughtUp: true });
      } finally {
        await recorder.stop();
      }
    });

    it('delivers to a category subscription only the streams of its category', async () => {
      const { store } = subject();
      const [room, meeting] = [uniqueCategory('room'), uniqueCategory('meeting')];
      // a stream whose name merely starts like the category is another category
      const lookalike = `${room}x-1`;
      const roomOnly = new SubscriptionRecorder(store.subscribe({ categories: [room] }));
      const everything = new SubscriptionRecorder(store.subscribe({}));
      try {
        await store.append(`${room}-1`, someEvents(2));
        await store.append(`${meeting}-1`, someEvents(2));
        await store.append(lookalike, someEvents(1));
        await store.append(`${room}-2`, someEvents(1));

        await waitFor(() =>
          expect(roomOnly.events.map((event) => event.streamName)).toEqual([
            `${room}-1`,
            `${room}-1`,
            `${room}-2`,
          ]),
        );
        await waitFor(() => {
          const ours = everything.events.filter((event) =>
            [room, meeting, `${room}x`].includes(event.streamName.split('-')[0]),
          );
          expect(ours.map((event) => event.streamName)).toEqual([
            `${room}-1`,
            `${room}-1`,
            `${meeting}-1`,
            `${meeting}-1`,
            lookalike,
            `${room}-2`,
          ]);
        });
        expect(roomOnly.events.every((event) => event.streamName.startsWith(`${room}-`))).toBe(true);
      } finally {
        await roomOnly.stop();
        await everything.stop();
      }
    });

    it('keeps only the event types asked for of a category, every type of the others, and resumes past the rest', async () => {
      const { store } = subject();
      const [filtered, whole] = [uniqueCategory('typed'), uniqueCategory('whole')];
      const categories = [filtered, whole];
      const eventTypes = { [filtered]: ['Wanted', 'AlsoWanted'] };
      const [first, other, second] = [anEvent('Wanted'), anEvent('Unwanted'), anEvent('AlsoWanted')];
      await store.append(`${filtered}-1`, [anEvent('Unwanted'), first, anEvent('Unwanted')]);
      await store.append(`${whole}-1`, [other]);
      await store.append(`${filtered}-2`, someEvents(3, 'Unwanted'));

      const recorder = new SubscriptionRecorder(store.subscribe({ categories, eventTypes, batchSize: 1 }));
      let resumed: SubscriptionRecorder | undefined;
      try {
        await waitFor(() => expect(recorder.caughtUp).toBe(true));
        expect(idsOf(recorder.events)).toEqual([first.eventId, other.eventId]);
        expect(idsOf(await collect(store.readAll({ categories, eventTypes })))).toEqual([
          first.eventId,
          other.eventId,
        ]);

        await store.append(`${filtered}-1`, [...someEvents(2, 'Unwanted'), second, anEvent('Unwanted')]);
        await waitFor(() =>
          expect(idsOf(recorder.events)).toEqual([first.eventId, other.eventId, second.eventId]),
        );
        expect(recorder.batches.every((batch) => batch.events.length > 0 || batch.caughtUp)).toBe(true);
        const checkpoints = recorder.batches.map((batch) => batch.checkpoint);
        for (let i = 1; i < checkpoints.length; i++) {
          expect(compareCheckpoints(checkpoints[i - 1], checkpoints[i])).toBeLessThanOrEqual(0);
        }

        // Resumed from the last checkpoint delivered, nothing comes again; what comes next does.
        const third = anEvent('Wanted');
        resumed = new SubscriptionRecorder(
          store.subscribe({ categories, eventTypes, from: recorder.batches.at(-1)?.checkpoint }),
        );
        await waitFor(() => expect(resumed?.caughtUp).toBe(true));
        await store.append(`${filtered}-3`, [anEvent('Unwanted'), third]);
        await waitFor(() => expect(idsOf(resumed?.events ?? [])).toEqual([third.eventId]));
      } finally {
        await recorder.stop();
        await resumed?.stop();
      }
    });

    it('resumes from its checkpoint after being killed: misses nothing, repeats nothing checkpointed', async () => {
      const { store } = subject();
      const category = uniqueCategory('resume');
      const written = someEvents(30);
      for (let i = 0; i < 30; i += 5) await store.append(`${category}-${i % 3}`, written.slice(i, i + 5));

      // A consumer that stores its checkpoint after batches 1 and 2, handles batch 3, then dies before storing it.
      const handled: RecordedEvent[][] = [];
      let stored: Checkpoint | undefined;
      const first = new SubscriptionRecorder(
        store.subscribe({ categories: [category], batchSize: 7 }),
        async (batch, recorder) => {
          if (batch.events.length === 0) return;
          handled.push([...batch.events]);
          if (handled.length <= 2) stored = batch.checkpoint;
          if (handled.length === 3) await recorder.subscription.stop();
        },
      );
      await first.finished();
      expect(first.failure).toBeUndefined();
      expect(handled).toHaveLength(3);
      const checkpointed = [...handled[0], ...handled[1]];
      const handledNotCheckpointed = handled[2];
      expect(stored).toBe(checkpointed.at(-1)?.checkpoint);

      const resumed = new SubscriptionRecorder(
        store.subscribe({ categories: [category], batchSize: 7, from: stored }),
      );
      try {
        const late = someEvents(3);
        await waitFor(() => expect(resumed.caughtUp).toBe(true));
        await store.append(`${category}-late`, late);
        await waitFor(() =>
          expect(resumed.events).toHaveLength(written.length - checkpointed.length + late.length),
        );

        const all = [...checkpointed, ...resumed.events];
        expect(idsOf(all)).toEqual([...idsOf(written), ...idsOf(late)]);
        expect(new Set(idsOf(all)).size).toBe(all.length);
        // batch 3 was handled but not checkpointed: it comes again, as at-least-once promises
        expect(idsOf(resumed.events.slice(0, handledNotCheckpointed.length))).toEqual(
          idsOf(handledNotCheckpointed),
        );
      } finally {
        await resumed.stop();
      }
    });

    it('delivers every event exactly once, in checkpoint order, while many writers append concurrently', async () => {
      await deliversEverythingWrittenConcurrently(subject, uniqueCategory('busy'));
    });

    it('never skips an event whose transaction commits after a later one (out-of-order commit gap)', async () => {
      const current = subject();
      const { store } = current;
      const category = uniqueCategory('gap');
      if (current.holdAppendOpen === undefined) {
        // Stores with a single-writer log (EventStoreDB) cannot commit out of order; race writers instead.
        await deliversEverythingWrittenConcurrently(subject, category);
        return;
      }
      const early = anEvent('Early');
      const late = anEvent('Late');
      const recorderBefore = new SubscriptionRecorder(store.subscribe({ categories: [category] }));
      let recorderDuring: SubscriptionRecorder | undefined;
      try {
        await waitFor(() => expect(recorderBefore.caughtUp).toBe(true));
        const held = await current.holdAppendOpen(`${category}-early`, [early]);
        try {
          await store.append(`${category}-late`, [late]);
          // The later commit is held back while the earlier transaction is open: from $all reads ...
          expect(await collect(store.readAll({ categories: [category] }))).toEqual([]);
          // ... and from a subscriber that catches up meanwhile (its first read comes after the later commit).
          recorderDuring = new SubscriptionRecorder(store.subscribe({ categories: [category] }));
          await waitFor(() => expect(recorderDuring?.caughtUp).toBe(true));
          expect(recorderDuring.events).toEqual([]);
        } finally {
          await held.commit();
        }
        for (const recorder of [recorderBefore, recorderDuring]) {
          await waitFor(() => expect(idsOf(recorder.events)).toEqual([early.eventId, late.eventId]));
        }
        const [earlyRecorded, lateRecorded] = recorderBefore.events;
        // the gap was real: the event delivered first holds the lower position but committed last
        expect(earlyRecorded.position).toBeLessThan(lateRecorded.position);
        expect(compareCheckpoints(earlyRecorded.checkpoint, lateRecorded.checkpoint)).toBe(-1);
      } finally {
        await recorderBefore.stop();
        await recorderDuring?.stop();
      }
    });

    it('stops when its abort signal fires or its reader breaks out of the loop', async () => {
      const { store } = subject();
      const category = uniqueCategory('stop');
      await store.append(`${category}-1`, someEvents(3));

      let batches = 0;
      for await (const batch of store.subscribe({ categories: [category], batchSize: 1 })) {
        batches += 1;
        if (batch.events.length === 1) break;
      }
      expect(batches).toBe(1);

      const controller = new AbortController();
      const recorder = new SubscriptionRecorder(
        store.subscribe({ categories: [category], signal: controller.signal }),
      );
      await waitFor(() => expect(recorder.caughtUp).toBe(true));
      controller.abort();
      await recorder.finished();
      expect(recorder.failure).toBeUndefined();
      expect(recorder.events).toHaveLength(3);
    });
  });
}

/** Eight writers append to their own streams at once while a subscription follows the category. */
async function deliversEverythingWrittenConcurrently(
  subject: SubjectAccessor,
  category: string,
): Promise<void> {
  const { store } = subject();
  const recorder = new SubscriptionRecorder(store.subscribe({ categories: [category], batchSize: 16 }));
  try {
    const writers = Array.from({ length: 8 }, (_, writer) => writer);
    const perWriter = 25;
    const written = await Promise.all(
      writers.map(async (writer) => {
        const events = someEvents(perWriter);
        for (let i = 0; i < perWriter; i++) {
          await store.append(`${category}-${writer}`, [events[i]], {
            expected: i === 0 ? 'no_stream' : BigInt(i - 1),
          });
        }
        return events;
      }),
    );
    await waitFor(() => expect(recorder.events).toHaveLength(writers.length * perWriter));

    expect(new Set(idsOf(recorder.events))).toEqual(new Set(written.flat().map((event) => event.eventId)));
    for (let i = 1; i < recorder.events.length; i++) {
      expect(compareCheckpoints(recorder.events[i - 1].checkpoint, recorder.events[i].checkpoint)).toBe(-1);
    }
    for (const writer of writers) {
      const revisions = recorder.events
        .filter((event) => event.streamName === `${category}-${writer}`)
        .map((e) => e.revision);
      expect(revisions).toEqual(Array.from({ length: perWriter }, (_, i) => BigInt(i)));
    }
    expect(recorder.failure).toBeUndefined();
  } finally {
    await recorder.stop();
  }
}
