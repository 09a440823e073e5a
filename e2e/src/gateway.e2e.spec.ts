import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import { decodeErrorInfo } from '@roomledger/contracts';
import {
  createFeedTopics,
  eventually,
  grpcClient,
  startSystem,
  testStack,
  uniqueGroupId,
  waitForGroupJoin,
  type FeedTopics,
  type GrpcTestClient,
  type RunningSystem,
} from '@roomledger/testing';
import { Kafka, logLevel, type Consumer, type IHeaders } from 'kafkajs';

interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** One person using the public API, as a client program would. */
class ApiClient {
  token?: string;

  constructor(private readonly baseUrl: string) {}

  async send<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...options.headers,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
  }

  async signIn(email: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
    const login = await this.send<{ accessToken: string; refreshToken: string }>('POST', '/v1/auth/login', {
      body: { email, password },
    });
    expect(login.status).toBe(200);
    this.token = login.body.accessToken;
    return login.body;
  }
}

interface Booking {
  id: string;
  roomId: string;
  start: string;
  end: string;
  status: string;
  organizerId: string;
  version: number;
  expiresAt?: string;
}

describe('The public API, end to end: people and programs book rooms through the gateway', () => {
  let system: RunningSystem;
  let feeds: FeedTopics;
  let kafka: Kafka;
  let consumer: Consumer;
  const seen: { key: string; headers: Record<string, string>; value: Record<string, unknown> }[] = [];
  const admin = () => new ApiClient(system.gatewayUrl);
  let adminApi: ApiClient;
  let member: ApiClient;
  let memberId: string;
  let rooms: { ada: string; grace: string };
  const runId = randomUUID().slice(0, 8);
  const day = (offsetDays: number, hour: number, minute = 0) => {
    const at = new Date(Date.UTC(2031, 0, 6 + offsetDays, hour, minute));
    return at.toISOString().replace('.000Z', 'Z');
  };

  beforeAll(async () => {
    kafka = new Kafka({ clientId: 'e2e', brokers: testStack.kafkaBrokers, logLevel: logLevel.NOTHING });
    feeds = await createFeedTopics(kafka, {
      'room.events.v1': 'ROOM_EVENTS_TOPIC',
      'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
    });
    // A plain kafkajs consumer on the public booking feed, as another team's service would have.
    consumer = kafka.consumer({ groupId: uniqueGroupId('e2e-feed') });
    await consumer.connect();
    await consumer.subscribe({ topic: feeds.topic('booking.events.v1'), fromBeginning: true });
    const joined = waitForGroupJoin(consumer);
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          key: message.key?.toString() ?? '',
          headers: textHeaders(message.headers),
          value: JSON.parse(message.value?.toString() ?? '{}') as Record<string, unknown>,
        });
      },
    });
    await joined;
    system = await startSystem({ env: { ...feeds.env, RATE_LIMIT_IP_AUTH: '500' } });

    adminApi = admin();
    await adminApi.signIn('admin@roomledger.local', 'change-me-admin-password');
    const room = async (name: string) => {
      const created = await adminApi.send<{ id: string; version: number }>('POST', '/v1/rooms', {
        body: {
          name: `${name}-${runId}`,
          capacity: 8,
          timeZone: 'Europe/Berlin',
          building: `e2e-${runId}`,
          amenities: ['projector'],
        },
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('etag')).toBe('"1"');
      return created.body.id;
    };
    rooms = { ada: await room('ada'), grace: await room('grace') };
    // The booking service learns rooms from room.events.v1: a new room is bookable a moment later.
    for (const roomId of Object.values(rooms)) {
      await eventually(async () => {
        const window = `from=${encodeURIComponent(day(0, 0))}&to=${encodeURIComponent(day(0, 1))}`;
        const known = await adminApi.send('GET', `/v1/rooms/${roomId}/availability?${window}`);
        if (known.status !== 200) throw new Error(`room ${roomId} not bookable yet: ${known.status}`);
      }, 20_000);
    }
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await consumer?.disconnect();
    await feeds?.delete();
  });

  describe('Accounts', () => {
    it('registers, signs in, refreshes (the old refresh token is spent) and signs out', async () => {
      const api = new ApiClient(system.gatewayUrl);
      const email = `member-${runId}@example.com`;
      const password = 'correct-horse-battery-staple';
      const registered = await api.send<{ id: string }>('POST', '/v1/auth/register', {
        body: { email, name: 'Member', password, timeZone: 'Europe/Berlin' },
      });
      expect(registered.status).toBe(201);
      expect(registered.body).toEqual({
        id: expect.any(String),
        email,
        name: 'Member',
        timeZone: 'Europe/Berlin',
      });
      memberId = registered.body.id;

      const tokens = await api.signIn(email, password);
      const me = await api.send<{ id: string; roles: string[] }>('GET', '/v1/users/me');
      expect(me.body).toMatchObject({ id: memberId, roles: ['member'] });

      const refreshed = await api.send<{ accessToken: string; refreshToken: string }>(
        'POST',
        '/v1/auth/refresh',
        {
          body: { refreshToken: tokens.refreshToken },
        },
      );
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.refreshToken).not.toBe(tokens.refreshToken);
      const reused = await api.send('POST', '/v1/auth/refresh', {
        body: { refreshToken: tokens.refreshToken },
      });
      expect(reused.status).toBe(401);
      expect(reused.headers.get('content-type')).toContain('application/problem+json');
      expect(reused.body).toMatchObject({ code: 'unauthenticated' });

      member = new ApiClient(system.gatewayUrl);
      await member.signIn(email, password);
      const loggedOut = await api.send('POST', '/v1/auth/logout', {
        body: { refreshToken: refreshed.body.refreshToken },
      });
      expect(loggedOut.status).toBe(204);
    });

    it('refuses a weak password and a duplicate e-mail with their codes', async () => {
      const api = new ApiClient(system.gatewayUrl);
      // Too short: the edge's own schema refuses it, naming the field.
      const short = await api.send('POST', '/v1/auth/register', {
        body: { email: `weak-${runId}@example.com`, name: 'W', password: 'short', timeZone: 'Europe/Berlin' },
      });
      expect(short.status).toBe(400);
      expect(short.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'body.password' }] });
      // The e-mail address as password: the user service's rule, with its field and reason.
      const weak = await api.send('POST', '/v1/auth/register', {
        body: {
          email: `weak-${runId}@example.com`,
          name: 'W',
          password: `weak-${runId}@example.com`,
          timeZone: 'Europe/Berlin',
        },
      });
      expect(weak.status).toBe(400);
      expect(weak.body).toMatchObject({
        code: 'validation_failed',
        field: 'password',
        reason: 'equals_email',
      });
      const twice = await api.send('POST', '/v1/auth/register', {
        body: {
          email: `MEMBER-${runId}@example.com`,
          name: 'M',
          password: 'another-long-password',
          timeZone: 'UTC',
        },
      });
      expect(twice.status).toBe(409);
      expect(twice.body).toMatchObject({ code: 'already_exists' });
    });

    it('changes profiles: members their own, admins anyone, with the new version as ETag', async () => {
      const changed = await member.send<{ timeZone: string; version: number }>('PATCH', '/v1/users/me', {
        body: {
          timeZone: 'America/New_York',
          preferences: { channels: ['email'], reminderOffsetsMinutes: [15] },
        },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.timeZone).toBe('America/New_York');
      expect(changed.headers.get('etag')).toBe(`"${changed.body.version}"`);
      const byAdmin = await adminApi.send<{ workingHours: unknown[] }>('PATCH', `/v1/users/${memberId}`, {
        body: { workingHours: [{ weekday: 'mon', start: '08:00', end: '16:00' }] },
      });
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body.workingHours).toEqual([{ weekday: 'mon', start: '08:00', end: '16:00' }]);
      const admins = await adminApi.send<{ id: string }>('GET', '/v1/users/me');
      const refused = await member.send('PATCH', `/v1/users/${admins.body.id}`, {
        body: { name: 'Not mine' },
      });
      expect(refused.status).toBe(403);
    });

    it('keeps rooms for admins: a member may not create one', async () => {
      const refused = await member.send('POST', '/v1/rooms', {
        body: { name: 'Mine', capacity: 2, timeZone: 'Europe/Berlin' },
      });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'forbidden' });
      const anonymous = await new ApiClient(system.gatewayUrl).send('GET', `/v1/rooms/${rooms.ada}`);
      expect(anonymous.status).toBe(401);
    });
  });

  describe('Bookings over HTTP', () => {
    it('holds, confirms with If-Match, extends, moves to another room and cancels, one booking id throughout', async () => {
      const held = await member.send<Booking>('POST', '/v1/bookings/holds', {
        body: { roomId: rooms.ada, start: day(0, 9), end: day(0, 10), title: 'Planning', ttlSeconds: 120 },
      });
      expect(held.status).toBe(201);
      expect(held.body).toMatchObject({
        status: 'held',
        roomId: rooms.ada,
        organizerId: memberId,
        version: 1,
      });
      expect(held.headers.get('location')).toBe(`/v1/bookings/${held.body.id}`);
      const id = held.body.id;

      const stale = await member.send('POST', `/v1/bookings/${id}/confirm`, {
        headers: { 'if-match': '"7"' },
      });
      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({ code: 'version_mismatch' });

      const confirmed = await member.send<Booking>('POST', `/v1/bookings/${id}/confirm`, {
        headers: { 'if-match': held.headers.get('etag')! },
      });
      expect(confirmed.status).toBe(200);
      expect(confirmed.body).toMatchObject({ id, status: 'confirmed', version: 2 });
      expect(confirmed.headers.get('etag')).toBe('"2"');

      const extended = await member.send<Booking>('PATCH', `/v1/bookings/${id}`, {
        body: { end: day(0, 10, 30) },
        headers: { 'if-match': '"2"' },
      });
      expect(extended.status).toBe(200);
      expect(extended.body).toMatchObject({ start: day(0, 9), end: day(0, 10, 30), version: 3 });

      const moved = await member.send<Booking>('PATCH', `/v1/bookings/${id}`, {
        body: { roomId: rooms.grace },
      });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ id, roomId: rooms.grace, status: 'confirmed' });

      const read = await member.send<Booking>('GET', `/v1/bookings/${id}`);
      expect(read.body).toMatchObject({ id, roomId: rooms.grace });
      expect(read.headers.get('etag')).toBe(`"${read.body.version}"`);

      const cancelled = await member.send<Booking>('POST', `/v1/bookings/${id}/cancel`, {
        body: { reason: 'done' },
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ id, status: 'cancelled' });

      const history = await member.send<{ entries: { type: string }[] }>('GET', `/v1/bookings/${id}/history`);
      expect(history.status).toBe(200);
      expect(history.body.entries.map((entry) => entry.type)).toEqual(
        expect.arrayContaining(['held', 'confirmed', 'rescheduled', 'cancelled']),
      );

      // Lists read the read model, which follows the decisions within moments.
      await eventually(async () => {
        const mine = await member.send<{ items: Booking[] }>('GET', '/v1/users/me/bookings?status=cancelled');
        expect(mine.body.items.map((booking) => booking.id)).toContain(id);
      }, 10_000);
    });

    it('answers a taken slot with 409 slot_taken, the conflict and free alternatives', async () => {
      const first = await member.send<Booking>('POST', '/v1/bookings', {
        body: { roomId: rooms.ada, start: day(1, 9), end: day(1, 10), title: 'First' },
      });
      expect(first.status).toBe(201);
      const second = await member.send('POST', '/v1/bookings', {
        body: { roomId: rooms.ada, start: day(1, 9, 30), end: day(1, 10, 30), title: 'Second' },
      });
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({
        code: 'slot_taken',
        conflicts: [{ start: day(1, 9), end: day(1, 10) }],
        alternatives: expect.arrayContaining([expect.objectContaining({ roomId: expect.any(String) })]),
      });
      expect((second.body.alternatives as unknown[]).length).toBeLessThanOrEqual(3);
    });

    it('books once when the same Idempotency-Key is sent again, and refuses the key with another body', async () => {
      const key = `book-${runId}`;
      const body = { roomId: rooms.grace, start: day(2, 14), end: day(2, 15), title: 'Keyed' };
      const first = await member.send<Booking>('POST', '/v1/bookings', {
        body,
        headers: { 'idempotency-key': key },
      });
      const again = await member.send<Booking>('POST', '/v1/bookings', {
        body,
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const other = await member.send('POST', '/v1/bookings', {
        body: { ...body, title: 'Other' },
        headers: { 'idempotency-key': key },
      });
      expect(other.status).toBe(422);
      expect(other.body).toMatchObject({ code: 'idempotency_key_reused' });
    });

    it('lets exactly one of 20 concurrent identical bookings through: one 201, nineteen 409', async () => {
      const body = { roomId: rooms.ada, start: day(3, 11), end: day(3, 12), title: 'Race' };
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => member.send('POST', '/v1/bookings', { body })),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
      for (const refused of answers.filter((answer) => answer.status === 409)) {
        expect(refused.body).toMatchObject({ code: 'slot_taken' });
      }
    });

    it('shows the bookings in the room availability, and admins block maintenance over a free time', async () => {
      const availability = await member.send<{ busy: { start: string; end: string }[] }>(
        'GET',
        `/v1/rooms/${rooms.ada}/availability?from=${encodeURIComponent(day(1, 0))}&to=${encodeURIComponent(day(2, 0))}`,
      );
      expect(availability.status).toBe(200);
      expect(availability.body.busy).toContainEqual({ start: day(1, 9), end: day(1, 10) });
      const blocked = await adminApi.send<{ id: string; status: string }>(
        'POST',
        `/v1/rooms/${rooms.ada}/maintenance`,
        {
          body: { start: day(5, 8), end: day(5, 12), reason: 'carpet' },
        },
      );
      expect(blocked.status).toBe(201);
      const refused = await member.send('POST', '/v1/bookings', {
        body: { roomId: rooms.ada, start: day(5, 9), end: day(5, 10), title: 'During maintenance' },
      });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 'policy_violation', rule: 'under_maintenance' });
      const lifted = await adminApi.send<{ status: string }>(
        'DELETE',
        `/v1/rooms/${rooms.ada}/maintenance/${blocked.body.id}`,
      );
      expect(lifted.body.status).toBe('lifted');
    });
  });

  describe('Bookings over gRPC', () => {
    let booking: GrpcTestClient;
    const auth = () => ({ authorization: `Bearer ${member.token}` });

    beforeAll(() => {
      booking = grpcClient(
        system.gatewayGrpcAddress,
        'roomledger/booking/v1/booking.proto',
        'roomledger.booking.v1.BookingService',
      );
    });
    afterAll(() => booking.close());

    it('holds, confirms, reschedules, moves and cancels with the bearer token in metadata', async () => {
      const held = await booking.call<Booking>(
        'PlaceHold',
        { roomId: rooms.grace, start: day(4, 9), end: day(4, 10), title: 'gRPC' },
        auth(),
      );
      expect(held).toMatchObject({ status: 'held', organizerId: memberId });
      const confirmed = await booking.call<Booking>(
        'ConfirmBooking',
        { bookingId: held.id, expectedVersion: 1 },
        auth(),
      );
      expect(confirmed.status).toBe('confirmed');
      const rescheduled = await booking.call<Booking>(
        'RescheduleBooking',
        { bookingId: held.id, start: day(4, 9), end: day(4, 11) },
        auth(),
      );
      expect(rescheduled).toMatchObject({ start: day(4, 9), end: day(4, 11) });
      const moved = await booking.call<Booking>(
        'MoveBooking',
        { bookingId: held.id, roomId: rooms.ada },
        auth(),
      );
      expect(moved).toMatchObject({ id: held.id, roomId: rooms.ada });
      const cancelled = await booking.call<Booking>(
        'CancelBooking',
        { bookingId: held.id, reason: 'gRPC' },
        auth(),
      );
      expect(cancelled.status).toBe('cancelled');
    });

    it('refuses a call without a token, and a taken slot as FAILED_PRECONDITION with SLOT_TAKEN', async () => {
      const unauthenticated = await booking
        .call('GetBooking', { bookingId: randomUUID() })
        .catch((error: { code: number }) => error);
      expect(unauthenticated).toMatchObject({ code: grpcStatus.UNAUTHENTICATED });
      const taken = await booking
        .call(
          'BookDirectly',
          { roomId: rooms.ada, start: day(1, 9), end: day(1, 10), title: 'Taken' },
          auth(),
        )
        .catch((error: { code: number; metadata: never }) => error);
      expect(taken).toMatchObject({ code: grpcStatus.FAILED_PRECONDITION });
      expect(decodeErrorInfo((taken as { metadata: never }).metadata)).toMatchObject({ code: 'slot_taken' });
    });
  });

  it("counts gRPC calls by method and status on the services' and the gateway's /metrics", async () => {
    const booking = await (await fetch(`${system.services.booking.httpUrl}/metrics`)).text();
    expect(booking).toMatch(
      /grpc_server_handling_seconds_count\{[^}]*grpc_service="BookingService"[^}]*grpc_method="BookDirectly"[^}]*grpc_code="0"/,
    );
    expect(booking).toMatch(/grpc_method="BookDirectly",grpc_code="9"/);
    const gateway = await (await fetch(`${system.gatewayUrl}/metrics`)).text();
    expect(gateway).toMatch(
      /grpc_service="roomledger.booking.v1.BookingService",grpc_method="PlaceHold",grpc_code="0"/,
    );
  });

  it('publishes every booking event on booking.events.v1 with its CloudEvents headers, keyed by room', async () => {
    const id = (
      await member.send<Booking>('POST', '/v1/bookings', {
        body: { roomId: rooms.grace, start: day(6, 9), end: day(6, 10), title: 'Feed' },
      })
    ).body.id;
    const event = await eventually(() => {
      const found = seen.find((message) => message.value.bookingId === id);
      if (!found) throw new Error(`no event for ${id} yet (${seen.length} seen)`);
      return found;
    }, 20_000);
    expect(event.key).toBe(rooms.grace);
    expect(event.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: expect.any(String),
      ce_type: 'roomledger.booking.confirmed.v1',
      ce_source: expect.any(String),
      ce_subject: id,
      ce_time: expect.any(String),
    });
    expect(event.value).toMatchObject({
      bookingId: id,
      roomId: rooms.grace,
      start: day(6, 9),
      end: day(6, 10),
      status: 'confirmed',
      organizerId: memberId,
      version: 1,
      streamRevision: expect.any(Number),
      occurredAt: expect.any(String),
    });
  });
});

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [
      name,
      Buffer.isBuffer(value) ? value.toString() : String(value),
    ]),
  );
}
