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
});
export type GatewayConfig = z.infer<typeof configSchema>;
