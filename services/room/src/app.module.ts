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
import type { RoomConfig } from './config';

@Module({})
export class RoomAppModule {
  static forRoot(config: RoomConfig, logger: Logger): DynamicModule {
    return {
      module: RoomAppModule,
      imports: [
        ServiceRuntimeModule.forRoot({
          service: 'room',
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

export function startRoom(config: RoomConfig, logger: Logger): Promise<StartedService> {
  return startService({ module: RoomAppModule.forRoot(config, logger), config, logger });
}
