import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  Client,
  Metadata,
  credentials,
  loadPackageDefinition,
  status,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Module } from '@nestjs/common';
import { decodeErrorInfo } from '@roomledger/contracts';
import { createKafka } from '@roomledger/messaging';
import { createLogger } from '@roomledger/observability';
import {
  downstreamCheck,
  serviceModules,
  startService,
  type StartedService,
} from '@roomledger/service-runtime';
import {
  createFeedTopics,
  createTestDatabase,
  eventually,
  freePort,
  grpcClient,
  grpcHealth,
  startTestService,
  testStack,
  uniqueGroupId,
  type FeedTopics,
  type GrpcTestClient,
  type TestDatabase,
} from '@roomledger/testing';
import { pino } from 'pino';
// The services behind the edge run here for real, in process (services are not libraries, hence no alias).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startBooking } from '../../../booking/src/app.module';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { configSchema as bookingConfig } from '../../../booking/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startRoom } from '../../../room/src/app.module';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { configSchema as roomConfig } from '../../../room/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startUser } from '../../../user/src/app.module';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { configSchema as userConfig } from '../../../user/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { testSigningKeys } from '../../../user/src/user.fixtures';
import { TokenVerifier } from '../edge/authentication';
import { commandIdFor } from '../edge/idempotency';
import { ProblemError } from '../edge/problem';
import { publicGrpcServer, type AdmittedCall, type PublicGrpcOptions } from './public-grpc.server';

/** The gateway's Nest application in miniature: its runtime, ready when the three services are. */
@Module({})
class EdgeTestModule {}

type Started = Awaited<ReturnType<typeof startTestService>>;

/**
 * The public gRPC edge as a client sees it, in front of real user, room and booking services: tokens
 * from the user service, the services' own contracts and errors, and nothing a client claims about
 * itself reaching a service.
 */
describe('The public gRPC edge', () => {
  const adminEmail = `root-${randomUUID().slice(0, 8)}@roomledger.test`;
  const adminPassword = 'correct horse battery staple';
  const runId = randomUUID().slice(0, 8);
  const day0 = Math.ceil(Date.now() / 86_400_000) * 86_400_000 + 86_400_000; // tomorrow 00:00 UTC
  const at = (minutes: number) => new Date(day0 + minutes * 60_000).toISOString().replace('.000Z', 'Z');
  const logger = createLogger({ service: 'gateway', level: process.env.ROOMLEDGER_TEST_LOG_LEVEL ?? 'warn' });
  const admitted: AdmittedCall[] = [];
  let refuseAdmission = false;

  let userDatabase: TestDatabase;
  let database: TestDatabase;
  let feeds: FeedTopics;
  let user: Started;
  let room: Started;
  let booking: Started;
  let edge: StartedService;
  let users: GrpcTestClient;
  let rooms: GrpcTestClient;
  let bookings: GrpcTestClient;
  let admin: { id: string; auth: { authorization: string } };
  let member: { id: string; email: string; auth: { authorization: string } };
  let roomId: string;

  const edgeOptions = (overrides: Partial<PublicGrpcOptions> = {}): PublicGrpcOptions => ({
    downstream: {
      user: user.grpcAddress,
      room: room.grpcAddress,
      booking: booking.grpcAddress,
      meeting: booking.grpcAddress,
      scheduling: booking.grpcAddress,
      notification: '127.0.0.1:1', // not running here: nothing in this file calls it
    },
    verifier: new TokenVerifier(`${user.httpUrl}/.well-known/jwks.json`, {
      issuer: 'roomledger',
      audience: 'roomledger',
    }),
    admit: async (call) => {
      admitted.push(call);
      if (refuseAdmission) throw new ProblemError('rate_limited', 'slow down', { retryAfterSeconds: 7 });
    },
    commandIdFor,
    defaultTimeoutMs: 10_000,
    logger,
    ...overrides,
  });
  /** Another edge on the same application, for options the main one does not have. */
  const withEdge = async (
    overrides: Partial<PublicGrpcOptions>,
    use: (users: GrpcTestClient) => Promise<void>,
  ) => {
    const other = await publicGrpcServer(edgeOptions(overrides)).start(edge.app, '127.0.0.1', 0);
    const client = grpcClient(
      other.address,
      'roomledger/user/v1/user.proto',
      'roomledger.user.v1.UserService',
    );
    try {
      await use(client);
    } finally {
      client.close();
      await other.close();
    }
  };
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: ServiceError) => ({
        status: error.code,
        details: error.details,
        ...decodeErrorInfo(error.metadata),
      }),
    );
  const login = async (email: string, password: string) => {
    const tokens = await users.call<{ accessToken: string }>('Login', { email, password });
    const auth = { authorization: `Bearer ${tokens.accessToken}` };
    const me = await users.call<{ id: string }>('GetMe', {}, auth);
    return { id: me.id, auth };
  };
  const spec = (overrides: Record<string, unknown> = {}) => ({
    name: 'Spree 3.12',
    building: `Spree-${runId}`,
    capacity: 8,
    timeZone: 'UTC',
    policy: { minDurationMinutes: 15, maxDurationMinutes: 240 },
    ...overrides,
  });

  beforeAll(async () => {
    [userDatabase, database] = await Promise.all([
      createTestDatabase('rl_gw_user'),
      createTestDatabase('rl_gw'),
    ]);
    const kafka = createKafka({
      clientId: 'gateway-it',
      brokers: testStack.kafkaBrokers,
      logger: pino({ level: 'error' }),
    });
    feeds = await createFeedTopics(kafka, {
      'room.events.v1': 'ROOM_EVENTS_TOPIC',
      'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
    });
    [user, room, booking] = await Promise.all([
      startTestService({
        schema: userConfig,
        start: startUser,
        service: 'user',
        env: {
          DATABASE_URL: userDatabase.url,
          JWT_SIGNING_KEYS: testSigningKeys(),
          ROOMLEDGER_ADMIN_EMAIL: adminEmail,
          ROOMLEDGER_ADMIN_PASSWORD: adminPassword,
        },
      }),
      startTestService({
        schema: roomConfig,
        start: startRoom,
        service: 'room',
        env: { DATABASE_URL: database.url, BOOKING_EVENTS_GROUP_ID: uniqueGroupId('gw-room'), ...feeds.env },
      }),
      startTestService({
        schema: bookingConfig,
        start: startBooking,
        service: 'booking',
        env: { DATABASE_URL: database.url, ROOM_EVENTS_GROUP_ID: uniqueGroupId('gw-booking'), ...feeds.env },
      }),
    ]);
    edge = await startService({
      module: {
        module: EdgeTestModule,
        imports: serviceModules({
          service: 'gateway',
          logger,
          extraChecks: [
            downstreamCheck('user', user.httpUrl),
            downstreamCheck('room', room.httpUrl),
            downstreamCheck('booking', booking.httpUrl),
          ],
        }),
      },
      config: {
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: 0,
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: 0,
        SHUTDOWN_GRACE_MS: 5_000,
      },
      logger,
      grpc: publicGrpcServer(edgeOptions()),
    });
    users = grpcClient(edge.grpcAddress, 'roomledger/user/v1/user.proto', 'roomledger.user.v1.UserService');
    rooms = grpcClient(edge.grpcAddress, 'roomledger/room/v1/room.proto', 'roomledger.room.v1.RoomService');
    bookings = grpcClient(
      edge.grpcAddress,
      'roomledger/booking/v1/booking.proto',
      'roomledger.booking.v1.BookingService',
    );

    admin = await login(adminEmail, adminPassword);
    const email = `maria-${runId}@example.org`;
    const password = 'maria has a good passphrase';
    await users.call('Register', { email, name: 'Maria', password, timeZone: 'Europe/Berlin' });
    member = { ...(await login(email, password)), email };
    roomId = `r${runId}-a`;
    await rooms.call('RegisterRoom', { roomId, room: spec() }, admin.auth);
    // The booking service learns of the room from room.events.v1.
    await eventually(
      () => bookings.call('GetRoomAvailability', { roomId, from: at(0), to: at(60) }, member.auth),
      60_000,
    );
  });

  afterAll(async () => {
    [users, rooms, bookings].forEach((client) => client?.close());
    await edge?.close();
    await Promise.all([user, room, booking].map((service) => service?.close()));
    await feeds?.delete();
    await Promise.all([userDatabase, database].map((db) => db?.drop()));
  });

  it('registers and logs in without a token; the token then says who is asking', async () => {
    expect(member.id).toMatch(/\S/);
    expect(await users.call('GetMe', {}, member.auth)).toMatchObject({ id: member.id, email: member.email });
    const jwks = await users.call<{ keys: unknown[] }>('GetJwks', {});
    expect(jwks.keys.length).toBeGreaterThan(0);
  });

  it('refuses a call without a token or with a bad one: UNAUTHENTICATED with an ErrorInfo', async () => {
    for (const metadata of [
      {} as Record<string, string>,
      { authorization: 'Bearer not.a.token' },
      { authorization: 'Basic abc' },
    ]) {
      expect(await failure(users.call('GetMe', {}, metadata))).toMatchObject({
        status: status.UNAUTHENTICATED,
        code: 'unauthenticated',
        domain: 'roomledger.dev',
      });
    }
    // Claiming an identity instead of proving one changes nothing.
    expect(
      await failure(
        bookings.call(
          'GetBooking',
          { bookingId: randomUUID() },
          {
            'x-roomledger-user-id': admin.id,
            'x-roomledger-roles': 'admin',
          },
        ),
      ),
    ).toMatchObject({ status: status.UNAUTHENTICATED, code: 'unauthenticated' });
  });

  it('lets an admin register a room; a member claiming another identity or admin rights is still the member', async () => {
    expect(await rooms.call('GetRoom', { roomId }, member.auth)).toMatchObject({
      id: roomId,
      name: 'Spree 3.12',
      version: '1',
      retired: false,
    });
    const claims = { ...member.auth, 'x-roomledger-user-id': admin.id, 'x-roomledger-roles': 'admin,member' };
    expect(
      await failure(rooms.call('RegisterRoom', { roomId: `r${runId}-b`, room: spec() }, claims)),
    ).toMatchObject({
      status: status.PERMISSION_DENIED,
      code: 'forbidden',
    });
    expect(await users.call('GetMe', {}, claims)).toMatchObject({ id: member.id });
  });

  it("books for a member; an overlapping booking hears the booking service's SLOT_TAKEN unchanged", async () => {
    const slot = { roomId, start: at(600), end: at(660), title: 'planning' };
    const booked = await bookings.call('BookDirectly', slot, member.auth);
    expect(booked).toMatchObject({ roomId, status: 'confirmed', organizerId: member.id, start: slot.start });

    const overlapping = { ...slot, start: at(630), end: at(690) };
    const refused = await failure(bookings.call('BookDirectly', overlapping, admin.auth));
    expect(refused).toMatchObject({ status: status.FAILED_PRECONDITION, code: 'slot_taken' });
    expect(JSON.parse(refused.metadata!.conflicts)).toEqual([{ start: slot.start, end: slot.end }]);
    // The same request straight to the booking service: the same status, message and ErrorInfo.
    const direct = grpcClient(
      booking.grpcAddress,
      'roomledger/booking/v1/booking.proto',
      'roomledger.booking.v1.BookingService',
    );
    try {
      const identity = { 'x-roomledger-user-id': admin.id, 'x-roomledger-roles': 'admin,member' };
      expect(await failure(direct.call('BookDirectly', overlapping, identity))).toEqual(refused);
    } finally {
      direct.close();
    }
  });

  it('makes one decision of the same idempotency-key sent twice, per caller', async () => {
    const key = `key-${randomUUID()}`;
    const register = (auth: object, idempotencyKey: string) =>
      rooms.call<{ id: string }>(
        'RegisterRoom',
        { room: spec({ name: 'Keyed' }) },
        { ...auth, 'idempotency-key': idempotencyKey },
      );
    const first = await register(admin.auth, key);
    expect((await register(admin.auth, key)).id).toBe(first.id);
    expect((await register(admin.auth, `${key}-other`)).id).not.toBe(first.id);

    // No booking id in the request: the booking service derives it from the command id.
    const request = { roomId, start: at(900), end: at(960), title: 'retried' };
    const book = () =>
      bookings.call<{ id: string }>('BookDirectly', request, { ...member.auth, 'idempotency-key': key });
    const bookingId = (await book()).id;
    expect((await book()).id).toBe(bookingId);
    const { rows } = await database.pool.query<{ commandId: string }>(
      `select metadata->>'commandId' as "commandId" from event_store.events where data->>'bookingId' = $1`,
      [bookingId],
    );
    expect(rows).toEqual([{ commandId: commandIdFor(member.id, key) }]);

    expect(await failure(register(admin.auth, 'x'.repeat(256)))).toMatchObject({
      status: status.INVALID_ARGUMENT,
      code: 'validation_failed',
      metadata: { field: 'idempotency-key' },
    });
  });

  it('honours deadlines: the caller’s own, and the edge’s cap on every forwarded call', async () => {
    const client = new Client(edge.grpcAddress, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', member.auth.authorization);
    const error = await new Promise<ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        '/roomledger.user.v1.UserService/GetMe',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        Buffer.alloc(0),
        metadata,
        { deadline: Date.now() + 1 },
        (failed) => resolve(failed),
      ),
    );
    client.close();
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);

    await withEdge({ defaultTimeoutMs: 1 }, async (capped) => {
      expect(
        await failure(capped.call('Login', { email: member.email, password: 'wrong but slow to check' })),
      ).toMatchObject({
        status: status.DEADLINE_EXCEEDED,
        code: 'deadline_exceeded',
      });
    });
  });

  it('refuses what admission refuses, before any service hears of it: RESOURCE_EXHAUSTED / RATE_LIMITED', async () => {
    admitted.length = 0;
    refuseAdmission = true;
    try {
      expect(
        await failure(bookings.call('BookDirectly', { roomId, start: at(1200), end: at(1260) }, member.auth)),
      ).toMatchObject({
        status: status.RESOURCE_EXHAUSTED,
        code: 'rate_limited',
        details: 'slow down',
        metadata: { retryAfterSeconds: '7' },
      });
    } finally {
      refuseAdmission = false;
    }
    await users.call('GetJwks', {});
    expect(admitted).toEqual([
      {
        caller: { userId: member.id, roles: ['member'] },
        peer: '127.0.0.1',
        service: 'booking',
        method: 'BookDirectly',
        write: true,
      },
      { caller: undefined, peer: '127.0.0.1', service: 'user', method: 'GetJwks', write: false },
    ]);
  });

  it('answers UNAVAILABLE, without the address, when a service is down', async () => {
    await withEdge(
      {
        downstream: {
          user: `127.0.0.1:${await freePort()}`,
          room: room.grpcAddress,
          booking: booking.grpcAddress,
          meeting: booking.grpcAddress,
          scheduling: booking.grpcAddress,
          notification: '127.0.0.1:1',
        },
      },
      async (cut) => {
        const refused = await failure(cut.call('GetJwks', {}));
        expect(refused).toMatchObject({ status: status.UNAVAILABLE, code: 'unavailable' });
        expect(refused.details).not.toContain('127.0.0.1');
      },
    );
  });

  it('refuses a request over 1 MiB itself: RESOURCE_EXHAUSTED', async () => {
    const huge = {
      email: 'big@example.org',
      name: 'x'.repeat(1024 * 1024),
      password: 'a long passphrase',
      timeZone: 'UTC',
    };
    expect((await failure(users.call('Register', huge))).status).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('reports SERVING on grpc.health.v1 when the services behind it are ready', async () => {
    expect(await grpcHealth(edge.grpcAddress)).toBe('SERVING');
  });

  it('lists its services by server reflection', async () => {
    expect(await listServices(edge.grpcAddress)).toEqual(
      expect.arrayContaining([
        'grpc.health.v1.Health',
        'grpc.reflection.v1.ServerReflection',
        'grpc.reflection.v1alpha.ServerReflection',
        'roomledger.booking.v1.BookingService',
        'roomledger.meeting.v1.MeetingService',
        'roomledger.room.v1.RoomService',
        'roomledger.scheduling.v1.SchedulingService',
        'roomledger.user.v1.UserService',
      ]),
    );
  });
});

const GRPCURL = join(homedir(), '.cache/roomledger/bin/grpcurl');

/** `grpcurl list` where infra/local installed it (not in --for-tests mode), else the reflection service itself. */
async function listServices(address: string): Promise<string[]> {
  if (existsSync(GRPCURL)) {
    const { stdout } = await promisify(execFile)(GRPCURL, ['-plaintext', address, 'list']);
    return stdout.split('\n').filter(Boolean);
  }
  const proto = join(
    dirname(require.resolve('@grpc/reflection')),
    '../proto/grpc/reflection/v1/reflection.proto',
  );
  const loaded = loadPackageDefinition(loadSync(proto)) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
  };
  const client = new loaded.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
  try {
    const stream = (
      client as unknown as { ServerReflectionInfo: () => NodeJS.ReadWriteStream }
    ).ServerReflectionInfo();
    const reply = new Promise<{ listServicesResponse: { service: { name: string }[] } }>(
      (resolve, reject) => {
        stream.once('data', resolve);
        stream.once('error', reject);
      },
    );
    stream.write({ listServices: '*' } as never);
    const names = (await reply).listServicesResponse.service.map((service) => service.name);
    stream.end();
    return names;
  } finally {
    client.close();
  }
}
