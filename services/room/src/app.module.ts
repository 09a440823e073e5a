import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModules, startService, type StartedService } from '@roomledger/service-runtime';
import type { Logger } from 'pino';
import type { RoomConfig } from './config';

@Module({})
export class RoomAppModule {
  static forRoot(config: RoomConfig, logger: Logger): DynamicModule {
    return {
      module: RoomAppModule,
      imports: serviceModules({
        service: 'room',
        logger,
        postgres: { url: config.DATABASE_URL },
        kafka: { brokers: config.KAFKA_BROKERS },
      }),
    };
  }
}

export function startRoom(config: RoomConfig, logger: Logger): Promise<StartedService> {
  return startService({ module: RoomAppModule.forRoot(config, logger), config, logger });
}
