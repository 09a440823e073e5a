import { randomUUID } from 'node:crypto';
import type { ServiceError } from '@grpc/grpc-js';
import { validateEventPayload, type UserEventType } from '@roomledger/contracts';
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
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Consumer, IHeaders } from 'kafkajs';
import { pino } from 'pino';
import { startUser } from './app.module';
import { configSchema } from './config';
import { testSigningKeys } from './user.fixtures';

interface UserReply {
  id: string;
  email: string;
  name: string;
  timeZone: string;
  roles: string[];
  status: string;
  version: string;
  workingHours: { weekday: string; start: string; end: string }[];
  preferences: { channels: string[]; reminderOffsetsMinutes: number[] };
}
interface TokenReply {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
}
interface Published {
  key: string;
  headers: Record<string, string>;
  value: Record<string, unknown>;
}

/**
 * The user service as its callers see it: two real instances started together on one fresh database,
 * gRPC in, `user.events.v1` out on the real Kafka, access tokens checked against the JWKS over HTTP.
 */
describe('The user service', () => {
  const adminEmail = `root-${randomUUID().slice(0, 8)}@roomledger.test`;
  const adminPassword = 'correct horse battery staple';
  const keys = testSigningKeys({ kid: 'current' }, { kid: 'previous', type: 'p256' });
  let database: TestDatabase;
  let instances: Awaited<ReturnType<typeof startInstance>>[];
  let clients: GrpcTestClient[];
  let consumer: Consumer;
  let feeds: FeedTopics;
  const published: Published[] = [];
  let admin: { 'x-roomledger-user-id': string; 'x-roomledger-roles': string };

  const startInstance = () =>
    startTestService({
      schema: configSchema,
      start: startUser,
      service: 'user',
      env: {
        ...feeds.env,
        DATABASE_URL: database.url,
        JWT_SIGNING_KEYS: keys,
        ROOMLEDGER_ADMIN_EMAIL: adminEmail,
        ROOMLEDGER_ADMIN_PASSWORD: adminPassword,
      },
    });
  const as = (id: string, roles = 'member') => ({ 'x-roomledger-user-id': id, 'x-roomledger-roles': roles });
  const email = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.org`;
  const register = (name: string, overrides: Record<string, unknown> = {}) =>
    clients[0].call<UserReply>('Register', {
      email: email(name),
      name,
      password: `${name} has a good passphrase`,
      timeZone: 'Europe/Berlin',
      ...overrides,
    });
  const count = async (sql: string, values: unknown[] = []) =>
    Number((await database.pool.query<{ n: string }>(`select count(*) as n ${sql}`, values)).rows[0].n);
  const eventsOf = (userId: string) => published.filter((message) => message.key === userId);

  beforeAll(async () => {
    database = await createTestDatabase('rl_user');
    const kafka = createKafka({
      clientId: 'user-it',
      brokers: testStack.kafkaBrokers,
      logger: pino({ level: 'error' }),
    });
    // The run's own copy of the feed, so that reading it from the beginning reads only this test.
    feeds = await createFeedTopics(kafka, { 'user.events.v1': 'USER_EVENTS_TOPIC' });
    consumer = kafka.consumer({ groupId: uniqueGroupId('user-events') });
    await consumer.connect();
    await consumer.subscribe({ topic: feeds.topic('user.events.v1'), fromBeginning: true });
    const joined = waitForGroupJoin(consumer);
    await consumer.run({
      eachMessage: async ({ message }) => {
        published.push({
          key: message.key!.toString(),
          headers: textHeaders(message.headers ?? {}),
          value: JSON.parse(message.value!.toString()) as Record<string, unknown>,
        });
      },
    });
    await joined;
    // Both at once, both told to create the first admin: exactly one admin must come of it.
    instances = await Promise.all([startInstance(), startInstance()]);
    clients = instances.map((instance) =>
      grpcClient(instance.grpcAddress, 'roomledger/user/v1/user.proto', 'roomledger.user.v1.UserService'),
    );
    const { rows } = await database.pool.query<{ id: string }>('select id from user_service.users');
    admin = as(rows[0].id, 'admin,member');
  });

  afterAll(async () => {
    clients?.forEach((client) => client.close());
    await Promise.all((instances ?? []).map((instance) => instance.close()));
    await consumer?.disconnect();
    await feeds?.delete();
    await database?.drop();
  });

  it('creates exactly one first admin when two instances start together, and publishes it', async () => {
    expect(await count('from user_service.users')).toBe(1);
    const me = await clients[1].call<UserReply>('GetMe', {}, admin);
    expect(me).toMatchObject({ email: adminEmail, roles: ['admin', 'member'], status: 'active' });
    await eventually(() =>
      expect(eventsOf(me.id).map((message) => message.headers.ce_type)).toEqual([
        'roomledger.user.registered.v1',
      ]),
    );
    const login = await clients[0].call<TokenReply>('Login', {
      email: adminEmail.toUpperCase(),
      password: adminPassword,
    });
    expect(login.tokenType).toBe('Bearer');
  });

  it('registers a user and publishes `registered` with CloudEvents headers and a schema-valid payload', async () => {
    const ada = await register('ada', { timeZone: 'europe/london' });
    expect(ada).toMatchObject({
      name: 'ada',
      timeZone: 'Europe/London',
      roles: ['member'],
      status: 'active',
      version: '1',
    });
    const [row] = (
      await database.pool.query<{ id: string; created_at: Date }>(
        'select id, created_at from user_service.outbox where user_id = $1',
        [ada.id],
      )
    ).rows;
    await eventually(() => expect(eventsOf(ada.id)).toHaveLength(1), 20_000);
    const [message] = eventsOf(ada.id);
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: row.id,
      ce_type: 'roomledger.user.registered.v1',
      ce_source: '/roomledger/user',
      ce_time: row.created_at.toISOString(),
      ce_subject: ada.id,
      'content-type': 'application/json',
    });
    expect(validateEventPayload('user.events.v1', 'registered', message.value)).toEqual({ valid: true });
    expect(message.value).toMatchObject({
      userId: ada.id,
      email: ada.email,
      name: 'ada',
      timeZone: 'Europe/London',
      version: 1,
    });
    await eventually(async () =>
      expect(
        await count('from user_service.outbox where user_id = $1 and published_at is not null', [ada.id]),
      ).toBe(1),
    );
  });

  it.each([
    [
      'a weak password',
      { password: 'password123' },
      3,
      'validation_failed',
      { field: 'password', reason: 'too_common' },
    ],
    [
      'a short password',
      { password: 'short' },
      3,
      'validation_failed',
      { field: 'password', reason: 'too_short' },
    ],
    [
      'an invalid time zone',
      { timeZone: 'Mars/Olympus_Mons' },
      3,
      'validation_failed',
      { field: 'timeZone' },
    ],
    ['an invalid e-mail address', { email: 'not-an-address' }, 3, 'validation_failed', { field: 'email' }],
  ])('refuses %s with a typed error and writes nothing', async (_, overrides, grpcCode, code, info) => {
    const address = (overrides as { email?: string }).email ?? email('bad');
    const [users, outbox] = [await count('from user_service.users'), await count('from user_service.outbox')];
    const error = await register('bad', { email: address, ...overrides }).catch((e: ServiceError) => e);
    expect((error as ServiceError).code).toBe(grpcCode);
    expect(decodeErrorInfo((error as ServiceError).metadata)).toMatchObject({ code, metadata: info });
    expect([await count('from user_service.users'), await count('from user_service.outbox')]).toEqual([
      users,
      outbox,
    ]);
    expect(await count('from user_service.users where lower(email) = lower($1)', [address])).toBe(0);
  });

  it('refuses a second account for the same address in any case, with already_exists, and writes nothing', async () => {
    const first = await register('grace');
    const [users, outbox] = [await count('from user_service.users'), await count('from user_service.outbox')];
    const error = await clients[1]
      .call('Register', {
        email: ` ${first.email.toUpperCase()} `,
        name: 'Grace',
        password: 'another passphrase',
        timeZone: 'UTC',
      })
      .catch((e: ServiceError) => e);
    expect((error as ServiceError).code).toBe(6); // ALREADY_EXISTS
    expect(decodeErrorInfo((error as ServiceError).metadata)).toMatchObject({ code: 'already_exists' });
    expect([await count('from user_service.users'), await count('from user_service.outbox')]).toEqual([
      users,
      outbox,
    ]);
  });

  it('logs in with access tokens that verify against the JWKS served over HTTP, signed with the first key', async () => {
    const linus = await register('linus');
    const pair = await clients[1].call<TokenReply>('Login', {
      email: linus.email,
      password: 'linus has a good passphrase',
    });
    expect(pair).toMatchObject({ expiresIn: 900, tokenType: 'Bearer' });
    const jwks = (await (await fetch(`${instances[0].httpUrl}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((key) => key.kid)).toEqual(['current', 'previous']);
    const { payload } = await jwtVerify(
      pair.accessToken,
      createRemoteJWKSet(new URL(`${instances[1].httpUrl}/.well-known/jwks.json`)),
      { issuer: 'roomledger', audience: 'roomledger' },
    );
    expect(payload).toMatchObject({ sub: linus.id, roles: ['member'] });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(decodeProtectedHeader(pair.accessToken)).toMatchObject({ kid: 'current', alg: 'EdDSA' });
    const grpcJwks = await clients[0].call<{ keys: { kid: string }[] }>('GetJwks', {});
    expect(grpcJwks.keys.map((key) => key.kid)).toEqual(['current', 'previous']);
  });

  it('answers an unknown address and a wrong password alike: unauthenticated, same message', async () => {
    const known = await register('margaret');
    const wrong = await clients[0]
      .call('Login', { email: known.email, password: 'not the passphrase' })
      .catch((e: ServiceError) => e);
    const unknown = await clients[0]
      .call('Login', { email: email('nobody'), password: 'not the passphrase' })
      .catch((e: ServiceError) => e);
    for (const error of [wrong, unknown]) {
      expect((error as ServiceError).code).toBe(16); // UNAUTHENTICATED
      expect(decodeErrorInfo((error as ServiceError).metadata)).toMatchObject({
        code: 'unauthenticated',
        metadata: { reason: 'invalid_credentials' },
      });
    }
    expect((wrong as ServiceError).details).toBe((unknown as ServiceError).details);
  });

  it('rotates refresh tokens; a reused one is refused and ends the session, its successor included; logout ends another', async () => {
    const barbara = await register('barbara');
    const credentials = { email: barbara.email, password: 'barbara has a good passphrase' };
    const first = await clients[0].call<TokenReply>('Login', credentials);
    const second = await clients[1].call<TokenReply>('Refresh', { refreshToken: first.refreshToken });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);

    const reused = await clients[0]
      .call('Refresh', { refreshToken: first.refreshToken })
      .catch((e: ServiceError) => e);
    expect((reused as ServiceError).code).toBe(16);
    expect(decodeErrorInfo((reused as ServiceError).metadata)).toMatchObject({
      metadata: { reason: 'refresh_token_reused' },
    });
    const successor = await clients[1]
      .call('Refresh', { refreshToken: second.refreshToken })
      .catch((e: ServiceError) => e);
    expect(decodeErrorInfo((successor as ServiceError).metadata)).toMatchObject({
      code: 'unauthenticated',
      metadata: { reason: 'invalid_refresh_token' },
    });

    // Another session is not affected, until it logs out.
    const other = await clients[0].call<TokenReply>('Login', credentials);
    const renewed = await clients[0].call<TokenReply>('Refresh', { refreshToken: other.refreshToken });
    await clients[1].call('Logout', { refreshToken: renewed.refreshToken });
    await clients[1].call('Logout', { refreshToken: renewed.refreshToken }); // twice is fine
    const afterLogout = await clients[0]
      .call('Refresh', { refreshToken: renewed.refreshToken })
      .catch((e: ServiceError) => e);
    expect((afterLogout as ServiceError).code).toBe(16);
    const stored = await database.pool.query<{ token_hash: Buffer }>(
      'select token_hash from user_service.refresh_tokens where user_id = $1',
      [barbara.id],
    );
    const everyToken = [first, second, other, renewed].map((pair) => pair.refreshToken);
    expect(stored.rows).toHaveLength(4);
    expect(
      stored.rows.every(
        (row) => row.token_hash.length === 32 && !everyToken.includes(row.token_hash.toString()),
      ),
    ).toBe(true);
  });

  it('lets admins, and only admins, change roles; the change is published', async () => {
    const alan = await register('alan');
    const mallory = await register('mallory');
    const denied = await clients[0]
      .call('SetRoles', { userId: alan.id, roles: ['admin', 'member'] }, as(mallory.id))
      .catch((e: ServiceError) => e);
    expect((denied as ServiceError).code).toBe(7); // PERMISSION_DENIED
    expect(decodeErrorInfo((denied as ServiceError).metadata)?.code).toBe('forbidden');
    // Claiming admin in metadata is not enough: the stored user must be one.
    const forged = await clients[0]
      .call('SetRoles', { userId: mallory.id, roles: ['admin'] }, as(mallory.id, 'admin'))
      .catch((e: ServiceError) => e);
    expect((forged as ServiceError).code).toBe(7);

    const promoted = await clients[1].call<UserReply>(
      'SetRoles',
      { userId: alan.id, roles: ['member', 'admin'] },
      admin,
    );
    expect(promoted).toMatchObject({ roles: ['admin', 'member'], version: '2' });
    await eventually(() =>
      expect(eventsOf(alan.id).map((m) => m.headers.ce_type)).toContain('roomledger.user.roles-changed.v1'),
    );
    const message = eventsOf(alan.id).find((m) => m.headers.ce_type === 'roomledger.user.roles-changed.v1')!;
    expect(message.value).toMatchObject({ roles: ['admin', 'member'], version: 2 });
    expectValid(message);
    const token = await clients[0].call<TokenReply>('Login', {
      email: alan.email,
      password: 'alan has a good passphrase',
    });
    const { payload } = await jwtVerify(
      token.accessToken,
      createRemoteJWKSet(new URL(`${instances[0].httpUrl}/.well-known/jwks.json`)),
    );
    expect(payload.roles).toEqual(['admin', 'member']);
  });

  it('updates a profile and publishes updated and preferences-changed in order', async () => {
    const edsger = await register('edsger');
    const me = as(edsger.id);
    const updated = await clients[0].call<UserReply>(
      'UpdateProfile',
      {
        timeZone: 'Europe/Amsterdam',
        workingHours: { spans: [{ weekday: 'mon', start: '08:30', end: '16:30' }] },
        preferences: { channels: ['in-app'], reminderOffsetsMinutes: [30, 5] },
      },
      me,
    );
    expect(updated).toMatchObject({
      timeZone: 'Europe/Amsterdam',
      workingHours: [{ weekday: 'mon', start: '08:30', end: '16:30' }],
      preferences: { channels: ['in-app'], reminderOffsetsMinutes: [5, 30] },
      name: 'edsger',
      version: '3',
    });
    const bad = await clients[1]
      .call('UpdateProfile', { timeZone: 'Europe/Atlantis' }, me)
      .catch((e: ServiceError) => e);
    expect(decodeErrorInfo((bad as ServiceError).metadata)).toMatchObject({
      code: 'validation_failed',
      metadata: { field: 'timeZone', reason: 'invalid_time_zone' },
    });
    const other = await clients[1]
      .call('UpdateProfile', { userId: edsger.id, name: 'not yours' }, as(randomUUID()))
      .catch((e: ServiceError) => e);
    expect((other as ServiceError).code).toBe(7);
    await eventually(() =>
      expect(eventsOf(edsger.id).map((m) => m.headers.ce_type)).toEqual([
        'roomledger.user.registered.v1',
        'roomledger.user.updated.v1',
        'roomledger.user.preferences-changed.v1',
      ]),
    );
    eventsOf(edsger.id).forEach(expectValid);
    expect(eventsOf(edsger.id).map((m) => m.value.version)).toEqual([1, 2, 3]);
  });

  it('deactivates: no more logins or refreshes, and `deactivated` is published', async () => {
    const ken = await register('ken');
    const credentials = { email: ken.email, password: 'ken has a good passphrase' };
    const pair = await clients[0].call<TokenReply>('Login', credentials);
    const deactivated = await clients[1].call<UserReply>('Deactivate', {}, as(ken.id));
    expect(deactivated.status).toBe('deactivated');
    const login = await clients[0].call('Login', credentials).catch((e: ServiceError) => e);
    expect((login as ServiceError).code).toBe(16);
    expect(decodeErrorInfo((login as ServiceError).metadata)).toMatchObject({
      metadata: { reason: 'user_deactivated' },
    });
    const refresh = await clients[0]
      .call('Refresh', { refreshToken: pair.refreshToken })
      .catch((e: ServiceError) => e);
    expect((refresh as ServiceError).code).toBe(16);
    await eventually(() =>
      expect(eventsOf(ken.id).map((m) => m.headers.ce_type)).toContain('roomledger.user.deactivated.v1'),
    );
    eventsOf(ken.id).forEach(expectValid);
  });

  it('never leaves the organisation without an active admin, even when two admins demote each other at once', async () => {
    const root = admin['x-roomledger-user-id'];
    const activeAdmins = async () =>
      (
        await database.pool.query<{ id: string }>(
          `select id from user_service.users where status = 'active' and 'admin' = any (roles)`,
        )
      ).rows.map((row) => row.id);
    // Down to root alone (allowed while root remains), then one more admin.
    for (const id of await activeAdmins())
      if (id !== root) await clients[0].call('SetRoles', { userId: id, roles: ['member'] }, admin);
    const xavier = await register('xavier');
    await clients[0].call('SetRoles', { userId: xavier.id, roles: ['admin', 'member'] }, admin);
    const asXavier = as(xavier.id, 'admin,member');

    const outcomes = await Promise.allSettled([
      clients[0].call('SetRoles', { userId: xavier.id, roles: ['member'] }, admin),
      clients[1].call('SetRoles', { userId: root, roles: ['member'] }, asXavier),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected')!;
    // The loser either counted no other admin, or was no admin any more by the time it was checked.
    expect(['last_admin', 'forbidden']).toContain(
      decodeErrorInfo((refused.reason as ServiceError).metadata)?.code,
    );
    const [survivor] = await activeAdmins();
    expect(await activeAdmins()).toEqual([survivor]);
    admin = as(survivor, 'admin,member');

    // One after another, each refusal caught as it comes (calls started together could reject while the
    // loop still awaits an earlier one, with no handler attached yet: an unhandled rejection).
    for (const call of [
      () => clients[0].call('SetRoles', { userId: survivor, roles: ['member'] }, admin),
      () => clients[1].call('Deactivate', {}, admin),
      () => clients[1].call('Erase', {}, admin),
    ]) {
      const error = (await call().catch((e: ServiceError) => e)) as ServiceError;
      expect({ code: error.code, reason: decodeErrorInfo(error.metadata)?.code }).toEqual({
        code: 9, // FAILED_PRECONDITION
        reason: 'last_admin',
      });
    }
  });

  it('erases on request: personal data scrubbed, sessions and outbox rows gone, `erased` published', async () => {
    const hedy = await register('hedy');
    const credentials = { email: hedy.email, password: 'hedy has a good passphrase' };
    const pair = await clients[0].call<TokenReply>('Login', credentials);
    await clients[0].call('UpdateProfile', { name: 'Hedy Lamarr' }, as(hedy.id));
    const reply = await clients[1].call<{ userId: string; erasedAt: string }>(
      'Erase',
      { userId: hedy.id },
      admin,
    );
    expect(reply.userId).toBe(hedy.id);

    const row = (await database.pool.query('select * from user_service.users where id = $1', [hedy.id]))
      .rows[0];
    expect(row).toMatchObject({
      email: `erased+${hedy.id}@invalid`,
      name: '',
      password_hash: null,
      roles: [],
      working_hours: [],
      status: 'erased',
    });
    expect(await count('from user_service.refresh_tokens where user_id = $1', [hedy.id])).toBe(0);
    const outbox = await database.pool.query<{ type: string; payload: unknown }>(
      'select type, payload from user_service.outbox where user_id = $1',
      [hedy.id],
    );
    expect(outbox.rows).toEqual([
      { type: 'erased', payload: { userId: hedy.id, occurredAt: reply.erasedAt } },
    ]);
    expect(JSON.stringify(await database.pool.query('select * from user_service.outbox'))).not.toContain(
      hedy.email,
    );

    await eventually(() =>
      expect(eventsOf(hedy.id).map((m) => m.headers.ce_type)).toContain('roomledger.user.erased.v1'),
    );
    const erased = eventsOf(hedy.id).find((m) => m.headers.ce_type === 'roomledger.user.erased.v1')!;
    expect(erased.value).toEqual({ userId: hedy.id, occurredAt: reply.erasedAt });
    expectValid(erased);

    for (const call of [
      clients[0].call('Login', credentials),
      clients[0].call('Refresh', { refreshToken: pair.refreshToken }),
    ]) {
      expect(((await call.catch((e: ServiceError) => e)) as ServiceError).code).toBe(16);
    }
    const gone = await clients[0].call('GetUser', { userId: hedy.id }, admin).catch((e: ServiceError) => e);
    expect((gone as ServiceError).code).toBe(5); // NOT_FOUND
    // The address is free again.
    await clients[0].call('Register', { ...credentials, name: 'Someone else', timeZone: 'UTC' });
  });
});

function textHeaders(headers: IHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}

function expectValid(message: Published): void {
  const name = message.headers.ce_type.replace(/^roomledger\.user\.(.+)\.v1$/, '$1') as UserEventType;
  expect({ name, result: validateEventPayload('user.events.v1', name, message.value) }).toEqual({
    name,
    result: { valid: true },
  });
}
