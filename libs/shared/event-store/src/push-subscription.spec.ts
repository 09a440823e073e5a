import { encodeCheckpoint, type Checkpoint } from './checkpoint';
import type { RecordedEvent } from './event';
import type { SubscriptionBatch } from './event-store';
import { pushSubscription, type SubscriptionSink } from './push-subscription';

describe('A push subscription', () => {
  const at = (n: number): Checkpoint => encodeCheckpoint({ major: BigInt(n), minor: 0n });
  const event = (n: number): RecordedEvent => ({
    eventId: `id-${n}`,
    type: 'Happened',
    data: { n },
    metadata: {},
    streamName: 'thing-1',
    revision: BigInt(n),
    position: BigInt(n),
    checkpoint: at(n),
    createdAt: new Date(0),
  });

  function fakeSource() {
    const calls: string[] = [];
    let sink: SubscriptionSink | undefined;
    let drained = true;
    return {
      calls,
      sink: () => sink as SubscriptionSink,
      setDrained: (value: boolean) => (drained = value),
      open: (given: SubscriptionSink) => {
        sink = given;
        calls.push('open');
        return {
          close: async () => void calls.push('close'),
          pause: () => void calls.push('pause'),
          resume: () => void calls.push('resume'),
          isDrained: () => drained,
        };
      },
    };
  }

  const numbers = (batch: SubscriptionBatch): number[] => batch.events.map((e) => Number(e.revision));

  it('cuts what arrived into batches, and reports catching up once the live end is reached', async () => {
    const source = fakeSource();
    const iterator = pushSubscription({ batchSize: 2 }, source.open)[Symbol.asyncIterator]();
    const first = iterator.next();
    [1, 2, 3].forEach((n) => source.sink().event(event(n)));
    source.sink().caughtUp();

    expect((await first).value).toMatchObject({ checkpoint: at(2), caughtUp: false });
    const second = (await iterator.next()).value as SubscriptionBatch;
    expect(numbers(second)).toEqual([3]);
    expect(second).toMatchObject({ checkpoint: at(3), caughtUp: true });

    const live = iterator.next();
    source.sink().event(event(4));
    expect((await live).value).toMatchObject({ checkpoint: at(4), caughtUp: true });
    await iterator.return?.(undefined);
    expect(source.calls).toEqual(['open', 'close']);
  });

  it('says it caught up with an empty batch when nothing came first', async () => {
    const source = fakeSource();
    const iterator = pushSubscription({ from: at(7) }, source.open)[Symbol.asyncIterator]();
    const first = iterator.next();
    source.sink().caughtUp();
    expect((await first).value).toEqual({ events: [], checkpoint: at(7), caughtUp: true });
    await iterator.return?.(undefined);
  });

  it('is not caught up while the source still holds events of its own', async () => {
    const source = fakeSource();
    const iterator = pushSubscription({}, source.open)[Symbol.asyncIterator]();
    const first = iterator.next();
    source.setDrained(false);
    source.sink().caughtUp();
    source.sink().event(event(1));
    expect((await first).value).toMatchObject({ caughtUp: false });
    await iterator.return?.(undefined);
  });

  it('drops what is at or before its checkpoint (inclusive starts, redeliveries)', async () => {
    const source = fakeSource();
    const iterator = pushSubscription({ from: at(2) }, source.open)[Symbol.asyncIterator]();
    const first = iterator.next();
    [1, 2, 3, 3, 2, 4].forEach((n) => source.sink().event(event(n)));
    expect(numbers((await first).value as SubscriptionBatch)).toEqual([3, 4]);
    await iterator.return?.(undefined);
  });

  it('pauses the source when its buffer is full and resumes it once drained', async () => {
    const source = fakeSource();
    const iterator = pushSubscription({ batchSize: 2, highWaterMark: 4 }, source.open)[
      Symbol.asyncIterator
    ]();
    const first = iterator.next();
    [1, 2, 3, 4, 5].forEach((n) => source.sink().event(event(n)));
    await first;
    expect(source.calls).toEqual(['open', 'pause']);
    await iterator.next();
    expect(source.calls).toEqual(['open', 'pause', 'resume']);
    await iterator.return?.(undefined);
  });

  it('ends on stop, on abort, and passes failures on', async () => {
    const stopped = fakeSource();
    const subscription = pushSubscription({}, stopped.open);
    const iterator = subscription[Symbol.asyncIterator]();
    const pending = iterator.next();
    await subscription.stop();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(stopped.calls).toContain('close');

    const aborted = fakeSource();
    const controller = new AbortController();
    const abortedIterator = pushSubscription({ signal: controller.signal }, aborted.open)[
      Symbol.asyncIterator
    ]();
    const abortedNext = abortedIterator.next();
    controller.abort();
    expect(await abortedNext).toEqual({ done: true, value: undefined });

    const failing = fakeSource();
    const failingIterator = pushSubscription({}, failing.open)[Symbol.asyncIterator]();
    const failingNext = failingIterator.next();
    failing.sink().fail(new Error('connection lost'));
    await expect(failingNext).rejects.toThrow('connection lost');
    expect(failing.calls).toEqual(['open', 'close']);
  });

  it('can be iterated only once', () => {
    const subscription = pushSubscription({}, fakeSource().open);
    subscription[Symbol.asyncIterator]();
    expect(() => subscription[Symbol.asyncIterator]()).toThrow('only once');
  });
});
