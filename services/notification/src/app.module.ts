import { Module, type DynamicModule } from '@nestjs/common';
import {
  KAFKA,
  KafkaModule,
  kafkaCheck,
  PG_POOL,
  PostgresModule,
  postgresCheck,
  REDIS,
  RedisModule,
  redisCheck,
  ServiceRuntimeModule,
  startService,
  type StartedService,
} from '@roomledger/service-runtime';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { NotificationConfig } from './config';
import { smtpCheck } from './smtp-check';

@Module({})
export class NotificationAppModule {
  static forRoot(config: NotificationConfig, logger: Logger): DynamicModule {
    return {
      module: NotificationAppModule,
      imports: [
        ServiceRuntimeModule.forRoot({
          service: 'notification',
          logger,
          readiness: {
            inject: [PG_POOL, REDIS, KAFKA],
            useFactory: (pool: Pool, redis: Redis, kafka: Kafka) => [
              postgresCheck(pool),
              redisCheck(redis),
              kafkaCheck(kafka),
              smtpCheck(config.SMTP_URL),
            ],
          },
        }),
        PostgresModule.forRoot(config.DATABASE_URL),
        RedisModule.forRoot(config.REDIS_URL),
        KafkaModule.forRoot(config.KAFKA_BROKERS),
      ],
    };
  }
}

export function startNotification(config: NotificationConfig, logger: Logger): Promise<StartedService> {
  return startService({ module: NotificationAppModule.forRoot(config, logger), config, logger });
}
