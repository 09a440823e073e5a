import { randomUUID } from 'node:crypto';
import type { ServiceError } from '@grpc/grpc-js';
import { validateEventPayload, type RoomEventType } from '@roomledger/contracts';
import { createKafka } from '@roomledger/messaging';
import { decodeErrorInfo } from '@roomledger/contracts';
import {
  createFeedTopics,
  createTestDatabase,
  eventually,
  grpcClient,
  startTestService,
  testStack,
  uniqueGroupId,
  waitForGroupJoin,
  type FeedTopics,
  type GrpcTestClient,
  type TestDatabase,
} from '@roomledger/testing';
import type { Consumer } from 'kafkajs';
import { pino } from 'pino';
// The booking service runs beside the room service here, in process, as a real consumer of its feed
// (services are not libraries, hence no alias): the one place a service's test starts another service.
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startBooking } from '../../booking/src/app.module';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { configSchema as bookingConfigSchema } from '../../booking/src/config';
import { startRoom } from './app.module';
import { configSchema } from './config';

type Started = Awaited<ReturnType<typeof startTestService>>;
type RoomReply = Record<string, unknown> & { id: string; version: string; retired: boolean };
interface Published {
  type: string;
  key: string;
  source: string;
  subject: string;
  value: Record<string, unknown>;
}

/**
 * The room service as its callers see it: admins change the catalogue over gRPC, the changes reach
 * Kafka and a real booking service (same database, its own schemas), which then takes bookings under
 * the room's policy; bookings flow back through booking.events.v1 into the free-window search.
 */
describe('The room service', () => {
  let database: TestDatabase;
  let room: Started;
  let booking: Started;
  let rooms: GrpcTestClient;
  let bookings: GrpcTestClient;
  let feed: Consumer;
  let feeds: FeedTopics;
  const published: Published[] = [];
  const admin = { 'x-roomledger-user-id': 'ada', 'x-roomledger-roles': 'member,admin' };
  const alice = { 'x-roomledger-user-id': 'alice', 'x-roomledger-roles': 'member' };
  const runId = randomUUID().slice(0, 8);
  const building = `Spree-${runId}`;
  const roomId = (name: string) => `r${runId}-${name}`;
  // Tomorrow 00:00 UTC onwards: within any window, past any notice.
  const day0 = Math.ceil(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
  const at = (minutes: number) => new Date(day0 + minutes * 60_000).toISOString().replace('.000Z', 'Z');

  const spec = (overrides: Record<string, unknown> = {}) => ({
    name: 'Spree 3.12',
    building,
    floor: '3',
    capacity: 8,
    seats: 1,
    timeZone: 'UTC',
    amenities: ['projector', 'whiteboard'],
    accessibility: ['step_free'],
    openingHours: [],
    closures: [],
    policy: { minDurationMinutes: 15, maxDurationMinutes: 240 },
    ...overrides,
  });
  const register = (id: string, overrides: Record<string, unknown> = {}) =>
    rooms.call<RoomReply>('RegisterRoom', { roomId: id, room: spec(overrides) }, admin);
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: ServiceError) => ({ status: error.code, ...decodeErrorInfo(error.metadata) }),
    );
  const search = (request: Record<string, unknown>) =>
    rooms
      .call<{ items: RoomReply[]; nextCursor: string }>('SearchRooms', { building, ...request }, alice)
      .then((page) => page.items.map((item) => item.id));
  const bookDirectly = (room: string, start: number, end: number, bookingId = randomUUID()) =>
    bookings.call<{ id: string; status: string }>(
      'BookDirectly',
      { roomId: room, start: at(start), end: at(end), title: 'planning', bookingId },
      { ...alice, 'x-roomledger-command-id': `book-${bookingId}` },
    );

  beforeAll(async () => {
    database = await createTestDatabase('rl_room');
    const kafka = createKafka({
      clientId: 'room-it',
      brokers: testStack.kafkaBrokers,
      logger: pino({ level: 'error' }),
    });
    feeds = await createFeedTopics(kafka, {
      'room.events.v1': 'ROOM_EVENTS_TOPIC',
      'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
    });
    feed = kafka.consumer({ groupId: uniqueGroupId('room-feed') });
    await feed.connect();
    await feed.subscribe({ topic: feeds.topic('room.events.v1'), fromBeginning: true });
    const joined = waitForGroupJoin(feed);
    await feed.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString() ?? '';
        if (!key.startsWith(`r${runId}-`)) return;
        const header = (name: string) => String(message.headers?.[name] ?? '');
        published.push({
          type: header('ce_type'),
          source: header('ce_source'),
          subject: header('ce_subject'),
          key,
          value: JSON.parse(message.value!.toString()) as Record<string, unknown>,
        });
      },
    });
    await joined;
    // Both services on this test's own copies of the feeds: each reads them from the beginning, as a
    // new deployment does, and finds only this test's messages.
    const busyGroup = uniqueGroupId('room-busy');
    room = await startTestService({
      schema: configSchema,
      start: startRoom,
      service: 'room',
      env: { DATABASE_URL: database.url, BOOKING_EVENTS_GROUP_ID: busyGroup, ...feeds.env },
    });
    booking = await startTestService({
      schema: bookingConfigSchema,
      start: startBooking,
      service: 'booking',
      env: {
        DATABASE_URL: database.url,
        ROOM_EVENTS_GROUP_ID: uniqueGroupId('booking-rooms'),
        // Holds are never expired by the booking service during this test: the search alone must stop
        // counting a hold once its time is up.
        HOLD_EXPIRY_INTERVAL_MS: '3600000',
        ...feeds.env,
      },
    });
    rooms = grpcClient(room.grpcAddress, 'roomledger/room/v1/room.proto', 'roomledger.room.v1.RoomService');
    bookings = grpcClient(
      booking.grpcAddress,
      'roomledger/booking/v1/booking.proto',
      'roomledger.booking.v1.BookingService',
    );
  });

  afterAll(async () => {
    rooms?.close();
    bookings?.close();
    await booking?.close();
    await room?.close();
    await feed?.disconnect();
    await feeds?.delete();
    await database?.drop();
  });

  it('registers a room for an admin; the event reaches Kafka and the booking service books under its policy', async () => {
    const id = roomId('a');
    const registered = await register(id);
    expect(registered).toMatchObject({
      id,
      version: '1',
      name: 'Spree 3.12',
      building,
      capacity: 8,
      seats: 1,
      timeZone: 'UTC',
      amenities: ['projector', 'whiteboard'],
      policy: expect.objectContaining({
        minDurationMinutes: 15,
        maxDurationMinutes: 240,
        bookingWindowDays: 0,
      }),
      retired: false,
    });
    expect(await rooms.call('GetRoom', { roomId: id }, alice)).toEqual(registered);

    // Without a room id, the id derives from the command id: the same command sent again registers one room.
    const command = { ...admin, 'x-roomledger-command-id': randomUUID() };
    const elsewhere = { room: spec({ building: `Elsewhere-${runId}` }) };
    const first = await rooms.call<RoomReply>('RegisterRoom', elsewhere, command);
    expect(await rooms.call('RegisterRoom', elsewhere, command)).toEqual(first);
    expect(first).toMatchObject({ version: '1', building: `Elsewhere-${runId}` });

    const message = await eventually(() => {
      const found = published.find((candidate) => candidate.key === id);
      expect(found).toBeDefined();
      return found!;
    }, 30_000);
    expect(message).toMatchObject({
      type: 'roomledger.room.registered.v1',
      source: '/roomledger/room',
      subject: id,
      value: { roomId: id, version: 1, capacity: 8, retired: false },
    });
    expect(validateEventPayload('room.events.v1', 'registered', message.value)).toEqual({ valid: true });

    // The booking service knows the room only once the event reached it; the same booking id makes retries harmless.
    const bookingId = randomUUID();
    const booked = await eventually(() => bookDirectly(id, 60, 120, bookingId), 30_000, 250);
    expect(booked).toMatchObject({ id: bookingId, status: 'confirmed' });
    const tooLong = await failure(bookDirectly(id, 300, 300 + 241));
    expect(tooLong).toMatchObject({ status: 9, code: 'policy_violation', metadata: { rule: 'too_long' } });
  });

  it('refuses a caller who is not an admin (PERMISSION_DENIED / FORBIDDEN) and writes nothing', async () => {
    const id = roomId('mine');
    expect(await failure(rooms.call('RegisterRoom', { roomId: id, room: spec() }, alice))).toMatchObject({
      status: 7,
      code: 'forbidden',
    });
    const existing = roomId('a');
    for (const [method, request] of [
      ['UpdateRoom', { roomId: existing, room: { name: 'Mine' }, updateMask: ['name'] }],
      ['RetireRoom', { roomId: existing }],
    ] as const) {
      expect(await failure(rooms.call(method, request, alice))).toMatchObject({
        status: 7,
        code: 'forbidden',
      });
    }
    expect(await failure(rooms.call('GetRoom', { roomId: id }, alice))).toMatchObject({
      status: 5,
      code: 'not_found',
    });
    expect(await rooms.call('GetRoom', { roomId: existing }, alice)).toMatchObject({
      version: '1',
      name: 'Spree 3.12',
    });
    const anonymous = await failure(rooms.call('GetRoom', { roomId: existing }));
    expect(anonymous).toMatchObject({ status: 16 }); // UNAUTHENTICATED
  });

  it.each([
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['capacity 0', { capacity: 0 }, 'capacity'],
    ['more seats than capacity', { capacity: 4, seats: 5 }, 'seats'],
    [
      'overlapping opening hours',
      {
        openingHours: [
          { weekday: 'mon', opens: '08:00', closes: '12:00' },
          { weekday: 'mon', opens: '11:00', closes: '18:00' },
        ],
      },
      'openingHours[1]',
    ],
    [
      'a minimum duration above the maximum',
      { policy: { minDurationMinutes: 120, maxDurationMinutes: 60 } },
      'policy.maxDurationMinutes',
    ],
  ])('refuses %s with INVALID_ARGUMENT naming the field, and writes nothing', async (_, overrides, field) => {
    const id = roomId(`bad-${randomUUID().slice(0, 6)}`);
    const refused = await failure(rooms.call('RegisterRoom', { roomId: id, room: spec(overrides) }, admin));
    expect(refused).toMatchObject({ status: 3, code: 'validation_failed', metadata: { field } });
    expect(await failure(rooms.call('GetRoom', { roomId: id }, admin))).toMatchObject({ code: 'not_found' });
    const { rows } = await database.pool.query(
      'select count(*)::int as n from event_store.events where stream_name = $1',
      [`room-${id}`],
    );
    expect(rows[0].n).toBe(0);
  });

  it('changes a room partially with If-Match, publishing updated or policy-changed', async () => {
    const id = roomId('b');
    const openingHours = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((weekday) => ({
      weekday,
      opens: '07:00',
      closes: '20:00',
    }));
    await register(id, {
      name: 'Spree 3.13',
      capacity: 12,
      amenities: ['projector', 'video_conference'],
      openingHours,
    });
    const renamed = await rooms.call<RoomReply>(
      'UpdateRoom',
      { roomId: id, room: { name: 'Spree 3.13a' }, updateMask: ['name'], expectedVersion: 1 },
      admin,
    );
    expect(renamed).toMatchObject({ version: '2', name: 'Spree 3.13a', capacity: 12 });
    const stale = await failure(
      rooms.call(
        'UpdateRoom',
        { roomId: id, room: { capacity: 14 }, updateMask: ['capacity'], expectedVersion: 1 },
        admin,
      ),
    );
    expect(stale).toMatchObject({ status: 10, code: 'version_mismatch' });
    const policy = await rooms.call<RoomReply>(
      'UpdateRoom',
      {
        roomId: id,
        room: { policy: { bufferAfterMinutes: 10 } },
        updateMask: ['policy.buffer_after_minutes'],
      },
      admin,
    );
    expect(policy).toMatchObject({
      version: '3',
      name: 'Spree 3.13a',
      policy: expect.objectContaining({
        minDurationMinutes: 15,
        maxDurationMinutes: 240,
        bufferAfterMinutes: 10,
      }),
    });
    // The same opening hours again change nothing (the room read back from the store compares equal).
    const unchanged = await rooms.call<RoomReply>(
      'UpdateRoom',
      { roomId: id, room: { openingHours, name: 'Spree 3.13a' }, updateMask: ['opening_hours', 'name'] },
      admin,
    );
    expect(unchanged).toMatchObject({ version: '3', openingHours });
    const unknownField = await failure(
      rooms.call('UpdateRoom', { roomId: id, room: {}, updateMask: ['colour'] }, admin),
    );
    expect(unknownField).toMatchObject({ status: 3, metadata: { field: 'updateMask' } });

    const types = await eventually(() => {
      const mine = published.filter((message) => message.key === id);
      expect(mine).toHaveLength(3);
      return mine;
    }, 30_000);
    expect(types.map((message) => [message.type, message.value.version])).toEqual([
      ['roomledger.room.registered.v1', 1],
      ['roomledger.room.updated.v1', 2],
      ['roomledger.room.policy-changed.v1', 3],
    ]);
    for (const message of types) {
      const name = message.type.replace('roomledger.room.', '').replace('.v1', '') as RoomEventType;
      expect(validateEventPayload('room.events.v1', name, message.value)).toEqual({ valid: true });
    }
  });

  it('searches by capacity, all of the amenities, building and floor, a page at a time', async () => {
    await register(roomId('c'), {
      name: 'Spree 4.01',
      floor: '4',
      capacity: 20,
      amenities: ['display', 'phone'],
      accessibility: ['hearing_loop', 'step_free'],
    });
    await register(roomId('d'), {
      name: 'Spree 4.02',
      floor: '4',
      capacity: 4,
      amenities: ['phone'],
      seats: 2,
    });
    await eventually(async () => expect(await search({})).toHaveLength(4), 15_000);

    expect(await search({ minCapacity: 10 })).toEqual([roomId('b'), roomId('c')]);
    expect(await search({ amenities: ['projector'] })).toEqual([roomId('a'), roomId('b')]);
    expect(await search({ amenities: ['projector', 'video_conference'] })).toEqual([roomId('b')]);
    expect(await search({ amenities: ['PHONE'], floor: '4', minCapacity: 5 })).toEqual([roomId('c')]);
    expect(await search({ building: 'elsewhere' })).toEqual([]);
    expect(await search({ accessibility: ['step_free', 'hearing_loop'] })).toEqual([roomId('c')]);

    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await rooms.call<{ items: RoomReply[]; nextCursor: string }>(
        'SearchRooms',
        { building, limit: 1, cursor },
        alice,
      );
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([roomId('a'), roomId('b'), roomId('c'), roomId('d')]);
  });

  it('leaves out rooms that are not free for the whole window: bookings, live holds, maintenance', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(roomId);
    const free = (from: number, to: number) => search({ freeFrom: at(from), freeTo: at(to) });
    // Every room is known to the booking service by now (room a was booked in the first test).
    await eventually(() => bookDirectly(d, 0, 15), 30_000, 250);

    // room a: booked 60..120 in the first test; room b: 10 minutes of clean-up after each booking.
    await eventually(() => bookDirectly(b, 600, 660), 30_000, 250);
    await eventually(
      async () => {
        expect(await free(60, 120)).toEqual([b, c, d]);
        expect(await free(119, 121)).toEqual([b, c, d]);
        expect(await free(665, 700)).toEqual([a, c, d]); // inside b's buffer after its booking
      },
      60_000,
      250,
    );
    expect(await free(120, 180)).toEqual([a, b, c, d]);
    expect(await free(670, 700)).toEqual([a, b, c, d]);

    // a hold counts until it expires, even though nobody writes HoldExpired meanwhile
    const hold = await eventually(
      () =>
        bookings.call<{ expiresAt: string }>(
          'PlaceHold',
          { roomId: c, start: at(900), end: at(960), title: 'maybe', ttlSeconds: 8 },
          alice,
        ),
      30_000,
      250,
    );
    await eventually(async () => expect(await free(900, 960)).toEqual([a, b, d]), 30_000, 100);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(hold.expiresAt) - Date.now() + 100)),
    );
    expect(await free(900, 960)).toEqual([a, b, c, d]);

    // a shared room (2 seats) is free where at most one of its seats is taken
    await bookDirectly(d, 1000, 1060);
    await bookDirectly(d, 1030, 1090);
    await eventually(async () => expect(await free(1040, 1050)).not.toContain(d), 30_000, 100);
    expect(await free(1000, 1020)).toContain(d);

    // maintenance takes the whole room until it is lifted
    const block = await bookings.call<{ id: string }>(
      'BlockForMaintenance',
      { roomId: a, start: at(1200), end: at(1300), reason: 'paint' },
      admin,
    );
    await eventually(async () => expect(await free(1250, 1260)).toEqual([b, c, d]), 30_000, 100);
    await bookings.call('LiftMaintenance', { roomId: a, blockId: block.id }, admin);
    await eventually(async () => expect(await free(1250, 1260)).toEqual([a, b, c, d]), 30_000, 100);

    const halfWindow = await failure(rooms.call('SearchRooms', { building, freeFrom: at(0) }, alice));
    expect(halfWindow).toMatchObject({ status: 3, metadata: { field: 'freeTo' } });
  });

  it('retires a room: the booking service refuses new bookings, the room cannot change, search leaves it out', async () => {
    const id = roomId('e');
    await register(id, { name: 'Spree 5.01' });
    await eventually(() => bookDirectly(id, 60, 90), 30_000, 250);
    const retired = await rooms.call<RoomReply>('RetireRoom', { roomId: id, reason: 'moved out' }, admin);
    expect(retired).toMatchObject({ id, version: '2', retired: true });
    expect(await rooms.call('RetireRoom', { roomId: id }, admin)).toMatchObject({
      version: '2',
      retired: true,
    });

    const refused = await eventually(
      async () => {
        const outcome = await failure(bookDirectly(id, 200, 230));
        expect(outcome).toMatchObject({ code: 'policy_violation', metadata: { rule: 'room_retired' } });
        return outcome;
      },
      30_000,
      250,
    );
    expect(refused.status).toBe(9); // FAILED_PRECONDITION
    const change = await failure(
      rooms.call('UpdateRoom', { roomId: id, room: { name: 'Back' }, updateMask: ['name'] }, admin),
    );
    expect(change).toMatchObject({ status: 9, code: 'invalid_room_state' });

    await eventually(async () => {
      expect(await search({})).not.toContain(id);
      expect(await search({ includeRetired: true })).toContain(id);
    }, 15_000);
    const message = await eventually(() => {
      const found = published.find(
        (candidate) => candidate.key === id && candidate.type.endsWith('.retired.v1'),
      );
      expect(found).toBeDefined();
      return found!;
    }, 30_000);
    expect(message.value).toMatchObject({ version: 2, retired: true });
    expect(validateEventPayload('room.events.v1', 'retired', message.value)).toEqual({ valid: true });
  });
});
