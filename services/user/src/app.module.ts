import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModules, startService, type StartedService } from '@roomledger/service-runtime';
import type { Logger } from 'pino';
import type { UserConfig } from './config';

@Module({})
export class UserAppModule {
  static forRoot(config: UserConfig, logger: Logger): DynamicModule {
    return {
      module: UserAppModule,
      imports: serviceModules({
        service: 'user',
        logger,
        postgres: { url: config.DATABASE_URL },
        kafka: { brokers: config.KAFKA_BROKERS },
      }),
    };
  }
}

export function startUser(config: UserConfig, logger: Logger): Promise<StartedService> {
  return startService({ module: UserAppModule.forRoot(config, logger), config, logger });
}
