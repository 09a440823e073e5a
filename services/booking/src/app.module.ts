import { Module, type DynamicModule } from '@nestjs/common';
import {
  KAFKA,
  KafkaModule,
  kafkaCheck,
  PG_POOL,
  PostgresModule,
  postgresCheck,
  ServiceRuntimeModule,
  startService,
  type StartedService,
} from '@roomledger/service-runtime';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { BookingConfig } from './config';

@Module({})
export class BookingAppModule {
  static forRoot(config: BookingConfig, logger: Logger): DynamicModule {
    return {
      module: BookingAppModule,
      imports: [
        ServiceRuntimeModule.forRoot({
          service: 'booking',
          logger,
          readiness: {
            inject: [PG_POOL, KAFKA],
            useFactory: (pool: Pool, kafka: Kafka) => [postgresCheck(pool), kafkaCheck(kafka)],
          },
        }),
        PostgresModule.forRoot(config.DATABASE_URL),
        KafkaModule.forRoot(config.KAFKA_BROKERS),
      ],
    };
  }
}

export function startBooking(config: BookingConfig, logger: Logger): Promise<StartedService> {
  return startService({ module: BookingAppModule.forRoot(config, logger), config, logger });
}
