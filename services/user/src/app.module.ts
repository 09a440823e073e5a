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
import type { UserConfig } from './config';

@Module({})
export class UserAppModule {
  static forRoot(config: UserConfig, logger: Logger): DynamicModule {
    return {
      module: UserAppModule,
      imports: [
        ServiceRuntimeModule.forRoot({
          service: 'user',
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

export function startUser(config: UserConfig, logger: Logger): Promise<StartedService> {
  return startService({ module: UserAppModule.forRoot(config, logger), config, logger });
}
