import { randomUUID } from 'node:crypto';
import { validateEventPayload } from '@roomledger/contracts';
import { createKafka } from '@roomledger/messaging';
import {
  createFeedTopics,
  createTestDatabase,
  grpcClient,
  startTestService,
  testStack,
  uniqueGroupId,
  type FeedTopics,
  type GrpcTestClient,
  type TestDatabase,
} from '@roomledger/testing';
import { pino } from 'pino';
import { startRoom } from './app.module';
import { configSchema } from './config';
import {
  expectedRooms,
  publishBookings,
  registerCatalogue,
  seedCatalogue,
  tomorrowIn,
  waitUntilSearchable,
  type RoomSearch,
  type ScenarioName,
  type SeededCatalogue,
} from './testing/seed-catalogue.fixtures';

type Started = Awaited<ReturnType<typeof startTestService>>;
type Page = { items: { id: string }[]; nextCursor: string };

/**
 * Search over a catalogue the size of a real one: 2,000 rooms registered through the room service's
 * own gRPC API (RegisterRoom, UpdateRoom, RetireRoom, 16 at a time: a few seconds), so the real
 * projection builds `room_read`, and bookings on a few hundred of them arriving as booking.events.v1
 * messages shaped as the booking service's relay publishes them, so the real consumer builds the busy
 * intervals (`testing/seed-catalogue.fixtures.ts`, shared with `npm run bench:room-search`). Every
 * answer is compared, all pages, with a brute-force model of the same seed (`expectedRooms`).
 *
 * "14:00–15:00 tomorrow in building A" is the wall clock of building A's time zone (Europe/Berlin; each
 * building has one zone), turned into instants; each room's bookings are placed around tomorrow 14:00
 * on its own zone's wall clock.
 */
describe('Room search over a seeded catalogue of 2,000 rooms', () => {
  let database: TestDatabase;
  let feeds: FeedTopics;
  let room: Started;
  let rooms: GrpcTestClient;
  let catalogue: SeededCatalogue;
  const alice = { 'x-roomledger-user-id': 'alice', 'x-roomledger-roles': 'member' };
  /** The question; "tomorrow" as of the seed, like the seed's bookings. */
  let projectorForEightInA: RoomSearch;

  /** Every page of the answer, in the order served; ids only. */
  const searchAll = async (search: RoomSearch, limit?: number): Promise<string[]> => {
    const ids: string[] = [];
    let cursor = '';
    do {
      const page = await rooms.call<Page>('SearchRooms', { ...search, limit, cursor }, alice);
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  };

  beforeAll(async () => {
    database = await createTestDatabase('rl_room_search');
    const kafka = createKafka({
      clientId: 'room-search-it',
      brokers: testStack.kafkaBrokers,
      logger: pino({ level: 'error' }),
    });
    // The service on this test's own copies of the feeds (its relay publishes ~2,000 room events).
    feeds = await createFeedTopics(kafka, {
      'room.events.v1': 'ROOM_EVENTS_TOPIC',
      'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
    });
    const busyGroup = uniqueGroupId('room-search-busy');
    room = await startTestService({
      schema: configSchema,
      start: startRoom,
      service: 'room',
      env: { DATABASE_URL: database.url, BOOKING_EVENTS_GROUP_ID: busyGroup, ...feeds.env },
    });
    rooms = grpcClient(room.grpcAddress, 'roomledger/room/v1/room.proto', 'roomledger.room.v1.RoomService');

    catalogue = seedCatalogue({ runId: randomUUID().slice(0, 8) });
    projectorForEightInA = {
      minCapacity: 8,
      amenities: ['projector'],
      building: 'A',
      ...tomorrowIn('A', '14:00', '15:00', catalogue.seededAt),
    };
    const broken = catalogue.messages.flatMap(({ name, data }) => {
      const verdict = validateEventPayload('booking.events.v1', name, data);
      return verdict.valid ? [] : [`${name}: ${verdict.errors.join(', ')}`];
    });
    if (broken.length > 0) throw new Error(`seeded messages break the contract:\n${broken.join('\n')}`);
    await Promise.all([
      registerCatalogue((method, request, metadata) => rooms.call(method, request, metadata), catalogue),
      publishBookings(kafka, catalogue, feeds.topic('booking.events.v1')),
    ]);
    await waitUntilSearchable(database.pool, catalogue, { groupId: busyGroup, timeoutMs: 60_000 });
  }, 150_000);

  afterAll(async () => {
    rooms?.close();
    await room?.close();
    await feeds?.delete();
    await database?.drop();
  });

  it('finds exactly the rooms for 8 with a projector free 14:00–15:00 tomorrow in building A', async () => {
    const found = await searchAll(projectorForEightInA);
    const expected = expectedRooms(catalogue, projectorForEightInA);

    expect(new Set(found).size).toBe(found.length); // no room on two pages
    expect([...found].sort()).toEqual([...expected].sort());
    // Not a vacuous answer: the seed has candidates both ways, and more than one page of them.
    const candidates = expectedRooms(catalogue, {
      ...projectorForEightInA,
      freeFrom: undefined,
      freeTo: undefined,
    });
    expect(found.length).toBeGreaterThan(50);
    expect(candidates.length - found.length).toBeGreaterThan(20);
  });

  // For an ordinary room (one seat) without buffers, each scenario's effect on "free 14:00–15:00".
  const busyAtTwo: Record<ScenarioName, boolean> = {
    'confirmed 14:30–15:30': true,
    'confirmed 13:00–16:00': true,
    'confirmed 14:15–14:45': true,
    'confirmed 14:00–14:30 and 14:30–15:00': true,
    'confirmed 13:00–14:00': false,
    'confirmed 15:00–16:00': false,
    'confirmed 13:00–14:00 and 15:00–16:00': false,
    'confirmed 12:30–13:50': false,
    'confirmed 15:10–15:40': false,
    // 14:00 UTC is 15:00 (winter) or 16:00 (summer) in Berlin.
    'confirmed 14:00–15:00 UTC': false,
    'confirmed 14:00–15:00 the day after': false,
    'held, then confirmed, 14:00–15:00': true,
    'held until after the search, 14:00–15:00': true,
    'hold expired, 14:00–15:00': false,
    'hold lapsed, no expired event yet, 14:00–15:00': false,
    'confirmed, then cancelled, 14:00–15:00': false,
    'held, then cancelled, 14:30–15:30': false,
    'confirmed 14:00–15:00, rescheduled to 17:00–18:00': false,
    'confirmed 18:00–19:00, rescheduled to 14:30–15:00': true,
    'maintenance 13:00–17:00': true,
    'maintenance 13:00–17:00, lifted': false,
    'maintenance 15:00–16:00': false,
  };

  it('leaves out an ordinary room only for a live booking or active maintenance inside the hour', async () => {
    const found = new Set(await searchAll(projectorForEightInA));
    const plain = catalogue.rooms.filter(
      (seeded) =>
        seeded.scenario &&
        !seeded.retired &&
        seeded.current.building === 'A' &&
        seeded.current.capacity >= 8 &&
        seeded.current.amenities.includes('projector') &&
        seeded.current.seats === 1 &&
        seeded.current.policy.bufferBeforeMinutes + seeded.current.policy.bufferAfterMinutes === 0,
    );
    const answered = plain.map((seeded) => [seeded.scenario, found.has(seeded.id) ? 'free' : 'busy']);
    expect(answered).toEqual(
      plain.map((seeded) => [seeded.scenario, busyAtTwo[seeded.scenario!] ? 'busy' : 'free']),
    );
    // Every scenario met at least once in this shape.
    expect(new Set(plain.map((seeded) => seeded.scenario)).size).toBe(Object.keys(busyAtTwo).length);
  });

  it('takes buffers and seats into account, as the model does', async () => {
    const found = new Set(await searchAll(projectorForEightInA));
    const expected = new Set(expectedRooms(catalogue, projectorForEightInA));
    const candidates = catalogue.rooms.filter(
      (seeded) =>
        seeded.scenario &&
        !seeded.retired &&
        seeded.current.building === 'A' &&
        seeded.current.capacity >= 8 &&
        seeded.current.amenities.includes('projector'),
    );
    const buffered = candidates.filter(
      ({ current }) => current.policy.bufferBeforeMinutes + current.policy.bufferAfterMinutes > 0,
    );
    const shared = candidates.filter(({ current }) => current.seats > 1);
    const answer = (rooms: typeof candidates, free: (id: string) => boolean) =>
      rooms.map(({ id, scenario }) => [id, scenario, free(id) ? 'free' : 'busy']);
    expect(answer([...buffered, ...shared], (id) => found.has(id))).toEqual(
      answer([...buffered, ...shared], (id) => expected.has(id)),
    );
    // A booking next to the hour, inside the room's buffers, makes it busy.
    expect(buffered.some(({ id, scenario }) => !busyAtTwo[scenario!] && !found.has(id))).toBe(true);
    // A shared room with a seat left stays free despite a booking in the hour; maintenance takes it all.
    const booked = (scenario: ScenarioName) => busyAtTwo[scenario] && !scenario.startsWith('maintenance');
    expect(shared.some(({ id, scenario }) => booked(scenario!) && found.has(id))).toBe(true);
    expect(shared.some(({ id, scenario }) => scenario === 'maintenance 13:00–17:00' && !found.has(id))).toBe(
      true,
    );
  });

  it.each<[string, (seededAt: number) => RoomSearch, number | undefined]>([
    [
      'for 20, any building, free 13:00–14:00 UTC tomorrow (a different local hour in each zone)',
      (seededAt) => ({ minCapacity: 20, ...tomorrowIn('E', '13:00', '14:00', seededAt) }),
      200,
    ],
    [
      'step-free with a whiteboard, free 14:30–16:00 tomorrow in building A, pages of 7',
      (seededAt) => ({
        accessibility: ['STEP_FREE'],
        amenities: ['whiteboard'],
        building: 'a',
        ...tomorrowIn('A', '14:30', '16:00', seededAt),
      }),
      7,
    ],
    [
      'every room on floor 2 of building D, retired ones included, no time window',
      () => ({ building: 'D', floor: '2', includeRetired: true }),
      undefined,
    ],
  ])('answers %s exactly as the model does', async (_, searchAt, limit) => {
    const search = searchAt(catalogue.seededAt);
    const found = await searchAll(search, limit);
    const expected = expectedRooms(catalogue, search);
    expect(new Set(found).size).toBe(found.length);
    expect([...found].sort()).toEqual([...expected].sort());
    expect(expected.length).toBeGreaterThan(0);
  });
});
