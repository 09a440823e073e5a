import type { DynamicModule } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { KafkaModule, PostgresModule, RedisModule } from './clients';
import { kafkaCheck, postgresCheck, redisCheck, type ReadinessCheck } from './readiness';
import { ServiceRuntimeModule } from './service-runtime.module';
import { KAFKA, PG_POOL, REDIS } from './tokens';

export interface ServiceDependencies {
  service: string;
  logger: Logger;
  postgres?: { url: string; maxConnections?: number };
  /** `optional`: the service serves without Redis, reduced as `whenDown` says (readiness: degraded). */
  redis?: { url: string; optional?: { whenDown: string } };
  kafka?: { brokers: string[] };
  /** Dependencies other than our servers, e.g. an SMTP relay or the services behind the gateway. */
  extraChecks?: ReadinessCheck[];
}

/**
 * The runtime every service has (health, metrics, logging) and the clients it declares it uses;
 * readiness checks exactly those, so /health/ready never reports on a server the service does not need.
 */
export function serviceModules(dependencies: ServiceDependencies): DynamicModule[] {
  const { postgres, redis, kafka } = dependencies;
  const used = [postgres && PG_POOL, redis && REDIS, kafka && KAFKA].filter(
    (token): token is symbol => !!token,
  );
  const checkFor = new Map<symbol, (client: never) => ReadinessCheck>([
    [PG_POOL, (pool: Pool) => postgresCheck(pool)],
    [REDIS, (client: Redis) => ({ ...redisCheck(client), optional: redis?.optional })],
    [KAFKA, (client: Kafka) => kafkaCheck(client)],
  ]);
  return [
    ServiceRuntimeModule.forRoot({
      service: dependencies.service,
      logger: dependencies.logger,
      readiness: {
        inject: used,
        useFactory: (...clients: never[]) => [
          ...clients.map((client, index) => checkFor.get(used[index])!(client)),
          ...(dependencies.extraChecks ?? []),
        ],
      },
    }),
    ...(postgres ? [PostgresModule.forRoot(postgres.url, postgres.maxConnections)] : []),
    ...(redis ? [RedisModule.forRoot(redis.url)] : []),
    ...(kafka ? [KafkaModule.forRoot(kafka.brokers)] : []),
  ];
}
