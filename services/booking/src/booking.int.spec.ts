import { randomUUID } from 'node:crypto';
import type { ServiceError } from '@grpc/grpc-js';
import { validateEventPayload } from '@roomledger/contracts';
import { createKafka } from '@roomledger/messaging';
import { decodeErrorInfo } from '@roomledger/contracts';
import {
  createFeedTopics,
  createTestDatabase,
  eventually,
  grpcClient,
  roomRegisteredMessage,
  startTestService,
  testStack,
  uniqueGroupId,
  waitForGroupJoin,
  type FeedTopics,
  type GrpcTestClient,
  type TestDatabase,
} from '@roomledger/testing';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { startBooking } from './app.module';
import { configSchema } from './config';
import { checkInvariants } from './tools/invariants-check';

/**
 * The booking service as its callers see it: two real instances on one database and one store,
 * room policies arriving through `room.events.v1`, commands through gRPC, the public feed on Kafka.
 */
describe('The booking service', () => {
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let feeds: FeedTopics;
  let instances: Awaited<ReturnType<typeof startInstance>>[];
  let clients: GrpcTestClient[];
  const alice = { 'x-roomledger-user-id': 'alice', 'x-roomledger-roles': 'member' };
  const admin = { 'x-roomledger-user-id': 'root', 'x-roomledger-roles': 'admin' };
  const runId = randomUUID().slice(0, 8);
  const rooms = Array.from({ length: 10 }, (_, index) => `r${runId}-${index}`);
  // Tomorrow 00:00 UTC onwards: inside the (absent) booking window, past any notice.
  const day0 = Math.ceil(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
  const at = (minutes: number) => new Date(day0 + minutes * 60_000).toISOString().replace('.000Z', 'Z');

  const roomEventsGroup = uniqueGroupId('booking-it'); // one group per deployment, as in production
  const startInstance = async () =>
    startTestService({
      schema: configSchema,
      start: startBooking,
      service: 'booking',
      env: {
        DATABASE_URL: database.url,
        ROOM_EVENTS_GROUP_ID: roomEventsGroup,
        HOLD_EXPIRY_INTERVAL_MS: '200',
        ...feeds.env,
      },
    });

  beforeAll(async () => {
    database = await createTestDatabase('rl_booking');
    kafka = createKafka({
      clientId: 'booking-it',
      brokers: testStack.kafkaBrokers,
      logger: pino({ level: 'error' }),
    });
    feeds = await createFeedTopics(kafka, {
      'room.events.v1': 'ROOM_EVENTS_TOPIC',
      'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
    });
    producer = kafka.producer();
    await producer.connect();
    instances = [await startInstance(), await startInstance()];
    clients = instances.map((instance) =>
      grpcClient(
        instance.grpcAddress,
        'roomledger/booking/v1/booking.proto',
        'roomledger.booking.v1.BookingService',
      ),
    );
    // The rooms come from the room service's feed, as in production.
    await producer.send({
      topic: feeds.topic('room.events.v1'),
      messages: rooms.map((roomId, index) => roomRegisteredMessage(roomId, { seats: index === 9 ? 3 : 1 })),
    });
    await eventually(async () => {
      for (const roomId of rooms) {
        await clients[0].call('GetRoomAvailability', { roomId, from: at(0), to: at(60) }, alice);
      }
    }, 60_000);
  });

  afterAll(async () => {
    clients?.forEach((client) => client.close());
    await Promise.all((instances ?? []).map((instance) => instance.close()));
    await producer?.disconnect();
    await feeds?.delete();
    await database?.drop();
  });

  it('lets exactly one of 200 concurrent overlapping requests over two instances win; the others hear slot_taken', async () => {
    const roomId = rooms[0];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, index) =>
        clients[index % 2].call(
          'BookDirectly',
          { roomId, start: at(600 + (index % 30)), end: at(660 + (index % 30)), title: `race ${index}` },
          { ...alice, 'x-roomledger-user-id': `user${index}` },
        ),
      ),
    );
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.filter(
      (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
    );
    expect(won).toHaveLength(1);
    const reasons = lost.map((outcome) => decodeErrorInfo((outcome.reason as ServiceError).metadata)?.code);
    expect(new Set(reasons)).toEqual(new Set(['slot_taken']));
    expect(lost.every((outcome) => (outcome.reason as ServiceError).code === 9)).toBe(true); // FAILED_PRECONDITION
    const refusal = decodeErrorInfo((lost[0].reason as ServiceError).metadata)!;
    const conflicts = JSON.parse(refusal.metadata.conflicts) as { start: string; end: string }[];
    expect(conflicts.length).toBeGreaterThan(0);
    expect(Date.parse(conflicts[0].start)).toBeLessThan(Date.parse(conflicts[0].end));
    expect(JSON.parse(refusal.metadata.alternatives).length).toBeGreaterThan(0);
  });

  it('survives 1,000 random requests over 10 rooms on both instances with no double booking (invariant checker)', async () => {
    const created: { id: string; roomId: string }[] = [];
    let internal = 0;
    const request = async (index: number) => {
      const client = clients[index % 2];
      const roomId = rooms[Math.floor(Math.random() * rooms.length)];
      const start = 24 * 60 + Math.floor(Math.random() * 40) * 15;
      const length = 15 * (1 + Math.floor(Math.random() * 6));
      const roll = Math.random();
      try {
        if (roll < 0.5 || created.length === 0) {
          const method = roll < 0.3 ? 'BookDirectly' : 'PlaceHold';
          const booking = await client.call<{ id: string }>(
            method,
            {
              roomId,
              start: at(start),
              end: at(start + length),
              title: 'random',
              ttlSeconds: 1 + (index % 5),
            },
            alice,
          );
          created.push({ id: booking.id, roomId });
        } else {
          const target = created[Math.floor(Math.random() * created.length)];
          if (roll < 0.7) await client.call('CancelBooking', { bookingId: target.id }, alice);
          else if (roll < 0.85) await client.call('ConfirmBooking', { bookingId: target.id }, alice);
          else
            await client.call(
              'RescheduleBooking',
              { bookingId: target.id, start: at(start), end: at(start + length) },
              alice,
            );
        }
      } catch (error) {
        if ((error as ServiceError).code === 13 || (error as ServiceError).code === 2) internal += 1;
      }
    };
    for (let wave = 0; wave < 1_000; wave += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, offset) => request(wave + offset)));
    }
    expect(internal).toBe(0);
    expect(created.length).toBeGreaterThan(50);
    const report = await checkInvariants({ connectionString: database.url, schema: 'event_store' });
    expect(report.violations).toEqual([]);
    expect(report.rooms).toBeGreaterThanOrEqual(10);
  });

  it('holds, confirms with If-Match, reports history, lists, and refuses with the architecture codes', async () => {
    const roomId = rooms[1];
    const hold = await clients[0].call<Record<string, string>>(
      'PlaceHold',
      { roomId, start: at(3000), end: at(3060), title: 'planning', ttlSeconds: 120 },
      alice,
    );
    expect(hold).toMatchObject({
      status: 'held',
      roomId,
      organizerId: 'alice',
      title: 'planning',
      version: '1',
    });
    expect(Date.parse(hold.expiresAt)).toBeGreaterThan(Date.now());

    // the other instance knows it at once (read model caught up on demand)
    const stale = await clients[1]
      .call('ConfirmBooking', { bookingId: hold.id, expectedVersion: 7 }, alice)
      .catch((error: ServiceError) => error);
    expect((stale as ServiceError).code).toBe(10); // ABORTED
    expect(decodeErrorInfo((stale as ServiceError).metadata)?.code).toBe('version_mismatch');

    const stranger = await clients[1]
      .call('ConfirmBooking', { bookingId: hold.id }, { ...alice, 'x-roomledger-user-id': 'mallory' })
      .catch((error: ServiceError) => error);
    expect(decodeErrorInfo((stranger as ServiceError).metadata)?.code).toBe('forbidden');

    const confirmed = await clients[1].call(
      'ConfirmBooking',
      { bookingId: hold.id, expectedVersion: 1 },
      alice,
    );
    expect(confirmed).toMatchObject({ id: hold.id, status: 'confirmed', version: '2', title: 'planning' });

    await eventually(async () => {
      const history = await clients[0].call<{ entries: { type: string; actorId: string }[] }>(
        'GetBookingHistory',
        { bookingId: hold.id },
        alice,
      );
      expect(history.entries.map((entry) => [entry.type, entry.actorId])).toEqual([
        ['held', 'alice'],
        ['confirmed', 'alice'],
      ]);
    });
    const mine = await clients[0].call<{ items: { id: string }[] }>(
      'ListBookings',
      { organizerId: 'me', from: at(2900), to: at(3100) },
      alice,
    );
    expect(mine.items.map((item) => item.id)).toContain(hold.id);
    const backwards = await clients[0]
      .call('ListBookings', { organizerId: 'me', from: at(3100), to: at(2900) }, alice)
      .catch((error: ServiceError) => error);
    expect(decodeErrorInfo((backwards as ServiceError).metadata)).toMatchObject({
      code: 'validation_failed',
      metadata: { field: 'to' },
    });

    const tooLong = await clients[0]
      .call('BookDirectly', { roomId, start: at(4000), end: at(4000 + 9 * 60), title: 'marathon' }, alice)
      .catch((error: ServiceError) => error);
    expect(decodeErrorInfo((tooLong as ServiceError).metadata)).toMatchObject({
      code: 'policy_violation',
      metadata: { rule: 'too_long' },
    });
    const bad = await clients[0]
      .call('BookDirectly', { roomId, start: 'tomorrow', end: at(10), title: 'x' }, alice)
      .catch((error: ServiceError) => error);
    expect((bad as ServiceError).code).toBe(3); // INVALID_ARGUMENT
    const anonymous = await clients[0]
      .call('GetBooking', { bookingId: hold.id })
      .catch((error: ServiceError) => error);
    expect((anonymous as ServiceError).code).toBe(16); // UNAUTHENTICATED
  });

  it('answers a repeated command (same command id) as the first time and appends nothing twice', async () => {
    const roomId = rooms[2];
    const request = { roomId, start: at(5000), end: at(5030), title: 'retry', bookingId: randomUUID() };
    const meta = { ...alice, 'x-roomledger-command-id': randomUUID() };
    const first = await clients[0].call('BookDirectly', request, meta);
    const again = await clients[1].call('BookDirectly', request, meta);
    expect(again).toMatchObject({ id: request.bookingId, status: 'confirmed', version: '1' });
    expect(first).toMatchObject({ id: request.bookingId, version: '1' });
  });

  it('expires holds in the background and shows availability with holds, buffers and maintenance', async () => {
    const roomId = rooms[3];
    const hold = await clients[0].call<{ id: string }>(
      'PlaceHold',
      { roomId, start: at(6000), end: at(6060), title: 'short', ttlSeconds: 1 },
      alice,
    );
    await eventually(async () => {
      const booking = await clients[1].call<{ status: string }>('GetBooking', { bookingId: hold.id }, alice);
      expect(booking.status).toBe('expired');
    }, 15_000);

    const block = await clients[0].call<{ id: string }>(
      'BlockForMaintenance',
      { roomId, start: at(6100), end: at(6160), reason: 'paint' },
      admin,
    );
    const availability = await clients[1].call<{ busy: { start: string; end: string }[] }>(
      'GetRoomAvailability',
      { roomId, from: at(6000), to: at(6200), minDurationMinutes: 30 },
      alice,
    );
    expect(availability.busy).toEqual([{ start: at(6100), end: at(6160) }]);
    await clients[1].call('LiftMaintenance', { roomId, blockId: block.id }, admin);
  });

  it('moves a booking to another room keeping its id', async () => {
    const booking = await clients[0].call<{ id: string }>(
      'BookDirectly',
      { roomId: rooms[4], start: at(7000), end: at(7060), title: 'moving' },
      alice,
    );
    const moved = await clients[1].call('MoveBooking', { bookingId: booking.id, roomId: rooms[5] }, alice);
    expect(moved).toMatchObject({ id: booking.id, roomId: rooms[5], status: 'confirmed' });
    await eventually(async () => {
      const read = await clients[0].call('GetBooking', { bookingId: booking.id }, alice);
      expect(read).toMatchObject({ roomId: rooms[5], status: 'confirmed' });
    });
    const old = await clients[0].call<{ busy: unknown[] }>(
      'GetRoomAvailability',
      { roomId: rooms[4], from: at(7000), to: at(7060) },
      alice,
    );
    expect(old.busy).toEqual([]);
  });

  it('publishes the public feed: CloudEvents headers, keyed by room, payloads valid against the schemas', async () => {
    const consumer: Consumer = kafka.consumer({ groupId: uniqueGroupId('booking-feed') });
    const seen: { type: string; key: string; value: Record<string, unknown> }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: feeds.topic('booking.events.v1'), fromBeginning: true });
    const joined = waitForGroupJoin(consumer);
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = JSON.parse(message.value!.toString()) as Record<string, unknown>;
        if (!String(value.roomId).startsWith(`r${runId}`)) return;
        seen.push({ type: String(message.headers!.ce_type), key: message.key!.toString(), value });
      },
    });
    await joined;
    try {
      await eventually(() => {
        const types = new Set(seen.map((message) => message.type));
        for (const name of [
          'held',
          'confirmed',
          'cancelled',
          'expired',
          'maintenance-blocked',
          'maintenance-lifted',
        ]) {
          expect(types).toContain(`roomledger.booking.${name}.v1`);
        }
      }, 30_000);
      for (const message of seen) {
        expect(message.key).toBe(message.value.roomId);
        const name = message.type.replace('roomledger.booking.', '').replace('.v1', '');
        expect(validateEventPayload('booking.events.v1', name as never, message.value)).toEqual({
          valid: true,
        });
      }
    } finally {
      await consumer.disconnect();
    }
  });
});
