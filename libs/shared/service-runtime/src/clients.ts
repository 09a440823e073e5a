import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { createKafka } from '@roomledger/messaging';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { KAFKA, LOGGER, PG_POOL, REDIS, SERVICE_NAME } from './tokens';

export function createPool(url: string, applicationName: string, max = 10): Pool {
  return new Pool({
    connectionString: url,
    application_name: applicationName,
    max,
    connectionTimeoutMillis: 5_000,
    // A forgotten open transaction holds back every event-store subscriber on the server.
    idle_in_transaction_session_timeout: 10_000,
  });
}

const REDIS_CONNECT_WAIT_MS = 2_000;

export function createRedis(url: string): Redis {
  // Fail commands fast while Redis is away instead of queueing them without bound.
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
}

class PoolLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}

@Module({})
export class PostgresModule {
  static forRoot(url: string, max?: number): DynamicModule {
    return {
      module: PostgresModule,
      global: true,
      providers: [
        {
          provide: PG_POOL,
          inject: [SERVICE_NAME, LOGGER],
          useFactory: (service: string, logger: Logger) => {
            const pool = createPool(url, service, max);
            pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL client failed'));
            return pool;
          },
        },
        PoolLifecycle,
      ],
      exports: [PG_POOL],
    };
  }
}

@Module({})
export class RedisModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        {
          provide: REDIS,
          inject: [LOGGER],
          useFactory: async (logger: Logger) => {
            const redis = createRedis(url);
            let reported = false;
            redis.on('error', (error) => {
              if (!reported) logger.warn({ err: error }, 'Redis connection failed; retrying');
              reported = true;
            });
            redis.on('ready', () => {
              reported = false;
            });
            // Commands are not queued while connecting, so give the connection a moment before serving;
            // without Redis the service still starts (what it does then is its own readiness's story).
            await Promise.race([
              new Promise((resolve) => redis.once('ready', resolve)),
              new Promise((resolve) => setTimeout(resolve, REDIS_CONNECT_WAIT_MS).unref()),
            ]);
            return redis;
          },
        },
        RedisLifecycle,
      ],
      exports: [REDIS],
    };
  }
}

@Module({})
export class KafkaModule {
  static forRoot(brokers: string[]): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [
        {
          provide: KAFKA,
          inject: [SERVICE_NAME, LOGGER],
          useFactory: (service: string, logger: Logger): Kafka =>
            createKafka({ clientId: service, brokers, logger }),
        },
      ],
      exports: [KAFKA],
    };
  }
}
