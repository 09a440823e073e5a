import { dataEnv, env, serviceEnv } from '@roomledger/config';
import { z } from 'zod';

const downstream = (httpPort: number, grpcPort: number) => ({
  http: env.url(`http://127.0.0.1:${httpPort}`, ['http', 'https']),
  grpc: z
    .string()
    .regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port')
    .default(`127.0.0.1:${grpcPort}`),
});
const room = downstream(3101, 50101);
const booking = downstream(3102, 50102);
const user = downstream(3103, 50103);
const notification = downstream(3104, 50104);

/** Requests a caller may make per window; `0` is not allowed (turn limits off with RATE_LIMITS_ENABLED). */
const perWindow = (fallback: number) => env.positiveInt(fallback);

export const configSchema = z.object({
  ...serviceEnv({ httpPort: 3000, grpcPort: 50051 }),
  REDIS_URL: dataEnv.REDIS_URL(),
  ROOM_SERVICE_HTTP_URL: room.http,
  ROOM_SERVICE_GRPC_ADDRESS: room.grpc,
  BOOKING_SERVICE_HTTP_URL: booking.http,
  BOOKING_SERVICE_GRPC_ADDRESS: booking.grpc,
  USER_SERVICE_HTTP_URL: user.http,
  USER_SERVICE_GRPC_ADDRESS: user.grpc,
  NOTIFICATION_SERVICE_HTTP_URL: notification.http,
  NOTIFICATION_SERVICE_GRPC_ADDRESS: notification.grpc,
  /** `iss` and `aud` the access tokens must carry: the user service's JWT_ISSUER and JWT_AUDIENCE. */
  JWT_ISSUER: z.string().min(1).default('roomledger'),
  JWT_AUDIENCE: z.string().min(1).default('roomledger'),
  /** Off only for load tests of a local system: every other deployment keeps rate limits on. */
  RATE_LIMITS_ENABLED: env.flag(true),
  RATE_LIMIT_WINDOW_SECONDS: env.positiveInt(60),
  /** Per signed-in user and window, on reads (GET) and on writes (POST, PATCH, PUT, DELETE). */
  RATE_LIMIT_USER_READS: perWindow(1_200),
  RATE_LIMIT_USER_WRITES: perWindow(300),
  /** Per client IP address and window, on every route; a second line behind the per-user one. */
  RATE_LIMIT_IP_REQUESTS: perWindow(3_000),
  /** Per client IP address and window, on register, login and refresh (password guessing). */
  RATE_LIMIT_IP_AUTH: perWindow(30),
  /** Prefix of the gateway's Redis keys (rate limits, idempotency records): deployments sharing a Redis keep apart. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'letters, digits and . _ : - (at most 64)')
    .default('roomledger'),
  /** How long a write's Idempotency-Key and its first response are kept. */
  IDEMPOTENCY_TTL_SECONDS: env.positiveInt(86_400),
  /** The deadline of each call to a service behind the gateway (HTTP 504, gRPC DEADLINE_EXCEEDED). */
  REQUEST_TIMEOUT_MS: env.positiveInt(10_000),
  /** The largest JSON body accepted (HTTP 413 above it); the same 1 MiB as a gRPC message at the edge. */
  BODY_LIMIT_BYTES: env.positiveInt(1_048_576),
});
export type GatewayConfig = z.infer<typeof configSchema>;
