import { Module, type DynamicModule } from '@nestjs/common';
import {
  downstreamCheck,
  REDIS,
  RedisModule,
  redisCheck,
  ServiceRuntimeModule,
  startService,
  type StartedService,
} from '@roomledger/service-runtime';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config';

@Module({})
export class GatewayAppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [
        ServiceRuntimeModule.forRoot({
          service: 'gateway',
          logger,
          readiness: {
            inject: [REDIS],
            // The gateway is ready when its own Redis and every service behind it report ready.
            useFactory: (redis: Redis) => [
              redisCheck(redis),
              downstreamCheck('room', config.ROOM_SERVICE_HTTP_URL),
              downstreamCheck('booking', config.BOOKING_SERVICE_HTTP_URL),
              downstreamCheck('user', config.USER_SERVICE_HTTP_URL),
              downstreamCheck('notification', config.NOTIFICATION_SERVICE_HTTP_URL),
            ],
          },
        }),
        RedisModule.forRoot(config.REDIS_URL),
      ],
    };
  }
}

export function startGateway(config: GatewayConfig, logger: Logger): Promise<StartedService> {
  return startService({ module: GatewayAppModule.forRoot(config, logger), config, logger });
}
