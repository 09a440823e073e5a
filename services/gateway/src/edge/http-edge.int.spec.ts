import { randomUUID } from 'node:crypto';
import { createTestDatabase, startTestService, type TestDatabase } from '@roomledger/testing';
// The user service runs here for real, in process (services are not libraries, hence no alias).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startUser } from '../../../user/src/app.module';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { configSchema as userConfig } from '../../../user/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { testSigningKeys } from '../../../user/src/user.fixtures';
import { startGateway, WITHOUT_REDIS } from '../app.module';
import { configSchema } from '../config';

type Started = Awaited<ReturnType<typeof startTestService>>;

/**
 * The REST edge's own behaviour in front of a real user service: rate limits with their headers, what
 * it does without Redis, body limits and media types. (Bookings and rooms through the edge are in the
 * end-to-end suite.)
 */
describe('The REST edge', () => {
  const password = 'correct horse battery staple';
  const email = `edge-${randomUUID().slice(0, 8)}@roomledger.test`;
  let database: TestDatabase;
  let user: Started;
  const gateways: Started[] = [];

  const gateway = async (env: Record<string, string> = {}) => {
    const started = await startTestService({
      schema: configSchema,
      start: startGateway,
      service: 'gateway',
      env: {
        // Each gateway counts on its own keys: earlier runs and other tests share this Redis.
        REDIS_KEY_PREFIX: `test-${randomUUID().slice(0, 8)}`,
        USER_SERVICE_HTTP_URL: user.httpUrl,
        USER_SERVICE_GRPC_ADDRESS: user.grpcAddress,
        ...env,
      },
    });
    gateways.push(started);
    return started;
  };
  const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const signIn = async (base: string) => {
    const response = await post(base, '/v1/auth/login', { email, password });
    expect(response.status).toBe(200);
    return { authorization: `Bearer ${((await response.json()) as { accessToken: string }).accessToken}` };
  };

  beforeAll(async () => {
    database = await createTestDatabase('rl_gw_http');
    user = await startTestService({
      schema: userConfig,
      start: startUser,
      service: 'user',
      env: { DATABASE_URL: database.url, JWT_SIGNING_KEYS: testSigningKeys() },
    });
    const registered = await post((await gateway()).httpUrl, '/v1/auth/register', {
      email,
      name: 'Edge',
      password,
      timeZone: 'Europe/Berlin',
    });
    expect(registered.status).toBe(201);
  });

  afterAll(async () => {
    await Promise.all(gateways.map((started) => started.close()));
    await user?.close();
    await database?.drop();
  });

  describe('Rate limits', () => {
    it('limits sign-in attempts per IP address: 429 with Retry-After and the RateLimit headers', async () => {
      const { httpUrl } = await gateway({ RATE_LIMIT_IP_AUTH: '3' });
      const statuses: number[] = [];
      let refused: Response | undefined;
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const response = await post(httpUrl, '/v1/auth/login', { email, password: 'wrong password!' });
        statuses.push(response.status);
        if (response.status === 429) refused = response;
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(refused!.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused!.headers.get('ratelimit-limit')).toBe('3');
      expect(refused!.headers.get('ratelimit-remaining')).toBe('0');
      expect(refused!.headers.get('ratelimit-policy')).toBe('3;w=60');
      expect(await refused!.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    });

    it("limits each user's reads, and tells the caller how many are left", async () => {
      const { httpUrl } = await gateway({ RATE_LIMIT_USER_READS: '2', RATE_LIMIT_IP_AUTH: '100' });
      const auth = await signIn(httpUrl);
      const first = await fetch(`${httpUrl}/v1/users/me`, { headers: auth });
      expect(first.status).toBe(200);
      expect(first.headers.get('ratelimit-remaining')).toBe('1');
      expect((await fetch(`${httpUrl}/v1/users/me`, { headers: auth })).status).toBe(200);
      expect((await fetch(`${httpUrl}/v1/users/me`, { headers: auth })).status).toBe(429);
    });

    it('can be switched off (for load tests of a local system): no limit and no headers', async () => {
      const { httpUrl } = await gateway({ RATE_LIMITS_ENABLED: 'false', RATE_LIMIT_IP_AUTH: '1' });
      const statuses = await Promise.all(
        [1, 2, 3].map(() => post(httpUrl, '/v1/auth/login', { email, password: 'wrong password!' })),
      );
      expect(statuses.map((response) => response.status)).toEqual([401, 401, 401]);
      expect(statuses[0].headers.get('ratelimit-limit')).toBeNull();
    });
  });

  describe('Without Redis', () => {
    let httpUrl: string;

    beforeAll(async () => {
      // Port 1: nothing listens there, and no free-port pick of this test can land on it. Readiness asks
      // each service behind the gateway for its own report; only the user service runs here, so it answers
      // for all four (the point is what Redis being down does to the gateway's own answer).
      ({ httpUrl } = await gateway({
        REDIS_URL: 'redis://127.0.0.1:1',
        ROOM_SERVICE_HTTP_URL: user.httpUrl,
        BOOKING_SERVICE_HTTP_URL: user.httpUrl,
        NOTIFICATION_SERVICE_HTTP_URL: user.httpUrl,
      }));
    });

    it('reports degraded, not unready, and says what it does without Redis', async () => {
      const response = await fetch(`${httpUrl}/health/ready`);
      const report = (await response.json()) as {
        status: string;
        checks: Record<string, Record<string, unknown>>;
      };
      expect(response.status).toBe(200);
      expect(report.status).toBe('degraded');
      expect(report.checks.redis).toMatchObject({ status: 'down', degraded: WITHOUT_REDIS });
    });

    it('serves requests without limits, and writes without an Idempotency-Key', async () => {
      const auth = await signIn(httpUrl);
      const me = await fetch(`${httpUrl}/v1/users/me`, { headers: auth });
      expect(me.status).toBe(200);
      expect(me.headers.get('ratelimit-limit')).toBeNull();
      const logout = await post(httpUrl, '/v1/auth/logout', { refreshToken: 'not-a-session' });
      expect(logout.status).toBe(204);
    });

    it('refuses a write with an Idempotency-Key (503), since it could not promise to run it once', async () => {
      const response = await post(
        httpUrl,
        '/v1/auth/logout',
        { refreshToken: 'x' },
        { 'idempotency-key': 'k1' },
      );
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'unavailable' });
    });
  });

  describe('Bodies', () => {
    it('refuses a body over the limit with 413, and a body that is not JSON with 415 or 400', async () => {
      const { httpUrl } = await gateway({ BODY_LIMIT_BYTES: '1024' });
      const large = await post(httpUrl, '/v1/auth/login', { email, password: 'x'.repeat(2_000) });
      expect(large.status).toBe(413);
      expect(await large.json()).toMatchObject({ code: 'payload_too_large' });

      const text = await fetch(`${httpUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'email=a&password=b',
      });
      expect(text.status).toBe(415);
      expect(await text.json()).toMatchObject({ code: 'unsupported_media_type' });

      const broken = await post(httpUrl, '/v1/auth/login', '{"email":');
      expect(broken.status).toBe(400);
      const problem = (await broken.json()) as Record<string, unknown>;
      expect(problem).toMatchObject({ code: 'validation_failed' });
      expect(JSON.stringify(problem)).not.toMatch(/at .*\.js|SyntaxError|stack/);
    });
  });

  it('answers a method the path does not have with 405 and Allow, and an unknown path with 404', async () => {
    const { httpUrl } = await gateway();
    const trace = await fetch(`${httpUrl}/v1/auth/login`, { method: 'PUT' });
    expect(trace.status).toBe(405);
    expect(trace.headers.get('allow')).toBe('POST');
    expect(await trace.json()).toMatchObject({ code: 'method_not_allowed' });
    // A literal path wins over a template that would also match it (`/v1/bookings/{bookingId}`).
    const options = await fetch(`${httpUrl}/v1/bookings/alternatives`, { method: 'OPTIONS' });
    expect([options.status, options.headers.get('allow')]).toEqual([405, 'GET']);
    const patch = await fetch(`${httpUrl}/v1/bookings/holds`, { method: 'PATCH' });
    expect([patch.status, patch.headers.get('allow')]).toEqual([405, 'POST']);
    // A live stream's bad request is an HTTP answer, not an event of a stream already begun.
    const auth = await signIn(httpUrl);
    const stream = await fetch(`${httpUrl}/v1/notifications/stream?after=x`, { headers: auth });
    expect([stream.status, stream.headers.get('content-type')]).toEqual([
      400,
      expect.stringContaining('problem+json'),
    ]);
    const unknown = await fetch(`${httpUrl}/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'not_found' });
  });

  it('serves its OpenAPI 3.1 document, with an example for every operation, and a page to browse it', async () => {
    const { httpUrl } = await gateway();
    const document = (await (await fetch(`${httpUrl}/docs-json`)).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { example?: unknown }> };
            responses: Record<string, { content?: Record<string, { example?: unknown }> }>;
          }
        >
      >;
    };
    expect(document.openapi).toBe('3.1.0');
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const body = operation.requestBody?.content['application/json'];
        if (body && body.example === undefined) missing.push(`${method} ${path} request`);
      }
    }
    expect(missing).toEqual([]);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/bookings',
        '/v1/rooms',
        '/v1/auth/login',
        '/v1/rooms/{roomId}/availability',
      ]),
    );
    const page = await fetch(`${httpUrl}/docs`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/docs-json');
    expect((await fetch(`${httpUrl}/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
  });
});
