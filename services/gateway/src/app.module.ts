import { Module, type DynamicModule } from '@nestjs/common';
import {
  downstreamCheck,
  serviceModules,
  startService,
  type StartedService,
} from '@roomledger/service-runtime';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config';

@Module({})
export class GatewayAppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: serviceModules({
        service: 'gateway',
        logger,
        redis: { url: config.REDIS_URL },
        // The gateway is ready when its own Redis and every service behind it report ready.
        extraChecks: [
          downstreamCheck('room', config.ROOM_SERVICE_HTTP_URL),
          downstreamCheck('booking', config.BOOKING_SERVICE_HTTP_URL),
          downstreamCheck('user', config.USER_SERVICE_HTTP_URL),
          downstreamCheck('notification', config.NOTIFICATION_SERVICE_HTTP_URL),
        ],
      }),
    };
  }
}

export function startGateway(config: GatewayConfig, logger: Logger): Promise<StartedService> {
  return startService({ module: GatewayAppModule.forRoot(config, logger), config, logger });
}
