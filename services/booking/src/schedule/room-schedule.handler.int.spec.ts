import { randomUUID } from 'node:crypto';
import { SlotTaken, type RoomScheduleCommand } from '@roomledger/booking-domain';
import type { EventStore } from '@roomledger/event-store';
import { PostgresEventStore } from '@roomledger/event-store-postgres';
import { createTestDatabase, type TestDatabase } from '@roomledger/testing';
import { RoomContended, RoomScheduleHandler, roomScheduleStream } from './room-schedule.handler';

describe('RoomScheduleHandler on the PostgreSQL store', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  const actor = { userId: 'alice', roles: ['admin'] };
  const now = '2026-03-01T08:00:00Z';
  const at = (hour: number) => `2026-03-02T${String(hour).padStart(2, '0')}:00:00Z`;
  const command = <T extends RoomScheduleCommand['type']>(
    type: T,
    data: Extract<RoomScheduleCommand, { type: T }>['data'],
    commandId = randomUUID(),
  ) =>
    ({ type, data, metadata: { commandId, actor, now } }) as unknown as Extract<
      RoomScheduleCommand,
      { type: T }
    >;
  const policy = (roomId: string) =>
    command('ApplyRoomPolicy', { roomId, policy: { capacity: 4, timeZone: 'UTC' } });
  const book = (hour: number, bookingId = randomUUID()) =>
    command('BookDirectly', { bookingId, start: at(hour), end: at(hour + 1), title: 'x' });

  beforeAll(async () => {
    database = await createTestDatabase('rl_handler');
    store = await PostgresEventStore.create({ connectionString: database.url });
  });

  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  /** The store, except that `before` runs once, just before the first append reaches it. */
  const racingStore = (before: () => Promise<unknown>, times = 1): EventStore => {
    let left = times;
    const racing: Pick<EventStore, 'append' | 'readStream' | 'loadSnapshot' | 'saveSnapshot'> = {
      append: async (stream, events, options) => {
        if (left > 0) {
          left -= 1;
          await before();
        }
        return store.append(stream, events, options);
      },
      readStream: (stream, options) => store.readStream(stream, options),
      loadSnapshot: (stream) => store.loadSnapshot(stream),
      saveSnapshot: (stream, revision, state) => store.saveSnapshot(stream, revision, state),
    };
    return racing as EventStore;
  };

  /** The store, except that it has no snapshots: a handler on it folds every stream from its start. */
  const withoutSnapshots = (inner: EventStore): EventStore => {
    const view: Pick<EventStore, 'append' | 'readStream' | 'loadSnapshot' | 'saveSnapshot'> = {
      append: (stream, events, options) => inner.append(stream, events, options),
      readStream: (stream, options) => inner.readStream(stream, options),
      loadSnapshot: () => Promise.resolve(undefined),
      saveSnapshot: () => Promise.resolve(),
    };
    return view as EventStore;
  };

  it('re-decides after losing a race to another instance, so both decisions land when they do not collide', async () => {
    const roomId = randomUUID();
    const other = new RoomScheduleHandler(store);
    await other.handle(roomId, policy(roomId));
    let conflicts = 0;
    // Between our read and our append, the other instance books 11:00.
    const handler = new RoomScheduleHandler(
      racingStore(() => other.handle(roomId, book(11))),
      { onConflict: () => (conflicts += 1) },
    );
    const decision = await handler.handle(roomId, book(9));
    expect(decision).toMatchObject({ attempts: 2, revision: 2n });
    expect(conflicts).toBe(1);
    expect(await store.streamState(roomScheduleStream(roomId))).toBe(2n);
  });

  it('re-decides into a refusal when the race was for the same slot', async () => {
    const roomId = randomUUID();
    const other = new RoomScheduleHandler(store);
    await other.handle(roomId, policy(roomId));
    const handler = new RoomScheduleHandler(racingStore(() => other.handle(roomId, book(9))));
    await expect(handler.handle(roomId, book(9))).rejects.toBeInstanceOf(SlotTaken);
    expect(await store.streamState(roomScheduleStream(roomId))).toBe(1n);
  });

  it('refuses what collides, appends nothing for a refusal, and nothing twice for a repeated command', async () => {
    const roomId = randomUUID();
    const handler = new RoomScheduleHandler(store);
    await handler.handle(roomId, policy(roomId));
    const first = book(9);
    await handler.handle(roomId, first);
    await expect(handler.handle(roomId, book(9))).rejects.toBeInstanceOf(SlotTaken);
    // the same command again, from a fresh instance (no cache): the store answers the same ids as before
    const again = await new RoomScheduleHandler(store).handle(roomId, first).catch((error: unknown) => error);
    expect(again).toMatchObject({ code: 'already_exists' });
    expect(await store.streamState(roomScheduleStream(roomId))).toBe(1n);
  });

  it('treats a command whose events are already in the stream as done, not as a new decision', async () => {
    const roomId = randomUUID();
    const handler = new RoomScheduleHandler(store);
    const first = command('ApplyRoomPolicy', { roomId, policy: { capacity: 4, timeZone: 'UTC' } });
    await handler.handle(roomId, first);
    await handler.handle(
      roomId,
      command('ApplyRoomPolicy', { roomId, policy: { capacity: 8, timeZone: 'UTC' } }),
    );
    // the first message again (a redelivery): it must not bring capacity 4 back
    const again = await new RoomScheduleHandler(store).handle(roomId, first);
    expect(again.events).toEqual([]);
    expect(again.revision).toBe(1n);
    const { state } = await new RoomScheduleHandler(store).load(roomId);
    expect(state.status === 'active' && state.policy.capacity).toBe(8);
  });

  it('snapshots long rooms and decides the same from the snapshot as from the whole stream', async () => {
    const roomId = randomUUID();
    const writer = new RoomScheduleHandler(store, { snapshotEvery: 5 });
    await writer.handle(roomId, policy(roomId));
    for (let hour = 0; hour < 12; hour += 1) await writer.handle(roomId, book(hour));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the snapshot is written after the reply
    const snapshot = await store.loadSnapshot<{ state: { bookings: unknown[] } }>(roomScheduleStream(roomId));
    expect(snapshot?.revision).toBeGreaterThanOrEqual(5n);
    // The bookings themselves are in it (a Map would have been written as {}): one per event after the policy.
    expect(snapshot?.state.state.bookings).toHaveLength(Number(snapshot?.revision));

    const fromSnapshot = await new RoomScheduleHandler(store).load(roomId);
    const fromScratch = await new RoomScheduleHandler(withoutSnapshots(store)).load(roomId);
    expect(fromSnapshot).toEqual(fromScratch);
    expect(fromSnapshot.revision).toBe(12n);
    expect(fromSnapshot.state.status === 'active' && fromSnapshot.state.bookings.size).toBe(12);
    await expect(new RoomScheduleHandler(store).handle(roomId, book(3))).rejects.toBeInstanceOf(SlotTaken);
  });

  it('ignores a snapshot of an older format and reads the whole stream instead', async () => {
    const roomId = randomUUID();
    const writer = new RoomScheduleHandler(store);
    await writer.handle(roomId, policy(roomId));
    for (let hour = 0; hour < 3; hour += 1) await writer.handle(roomId, book(hour));
    // Format 1 was the state as JSON: as a Map-holding state is written by JSON.stringify, without its bookings.
    const { state } = await writer.load(roomId);
    await store.saveSnapshot(roomScheduleStream(roomId), 3n, { format: 1, state });

    const reader = new RoomScheduleHandler(store);
    expect(await reader.load(roomId)).toEqual(
      await new RoomScheduleHandler(withoutSnapshots(store)).load(roomId),
    );
    await expect(reader.handle(roomId, book(1))).rejects.toBeInstanceOf(SlotTaken);
  });

  it('gives up on a room that stays contended, with a typed error', async () => {
    const roomId = randomUUID();
    const other = new RoomScheduleHandler(store);
    await other.handle(roomId, policy(roomId));
    let hour = 0;
    const loser = new RoomScheduleHandler(
      racingStore(() => other.handle(roomId, book((hour += 1))), 10),
      { maxAttempts: 3, retry: { initialDelayMs: 1, maxDelayMs: 1 } },
    );
    await expect(loser.handle(roomId, book(20))).rejects.toBeInstanceOf(RoomContended);
    expect(await store.streamState(roomScheduleStream(roomId))).toBe(3n); // only the other's three bookings
  });
});
