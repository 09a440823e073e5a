import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModules, startService, type StartedService } from '@roomledger/service-runtime';
import type { Logger } from 'pino';
import type { BookingConfig } from './config';

@Module({})
export class BookingAppModule {
  static forRoot(config: BookingConfig, logger: Logger): DynamicModule {
    return {
      module: BookingAppModule,
      imports: serviceModules({
        service: 'booking',
        logger,
        postgres: { url: config.DATABASE_URL },
        kafka: { brokers: config.KAFKA_BROKERS },
      }),
    };
  }
}

export function startBooking(config: BookingConfig, logger: Logger): Promise<StartedService> {
  return startService({ module: BookingAppModule.forRoot(config, logger), config, logger });
}
