import { Module, type DynamicModule } from '@nestjs/common';
import type { ServiceMetrics } from '@roomledger/observability';
import {
  KAFKA,
  METRICS,
  lifecycleOf,
  PG_POOL,
  serviceModules,
  startService,
  type StartedService,
} from '@roomledger/service-runtime';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { UserConfig } from './config';
import { UserGrpcController, UserGrpcErrorFilter } from './grpc/user.grpc-controller';
import { JwksHttpController } from './http/jwks.http-controller';
import { UserRuntime } from './user.runtime';

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
      controllers: [UserGrpcController, JwksHttpController],
      providers: [
        UserGrpcErrorFilter,
        lifecycleOf(UserRuntime),
        {
          provide: UserRuntime,
          inject: [PG_POOL, KAFKA, METRICS],
          useFactory: (pool: Pool, kafka: Kafka, metrics: ServiceMetrics) =>
            UserRuntime.create({ config, pool, kafka, logger, metrics }),
        },
      ],
    };
  }
}

export function startUser(config: UserConfig, logger: Logger): Promise<StartedService> {
  return startService({
    module: UserAppModule.forRoot(config, logger),
    config,
    logger,
    grpc: { packages: ['roomledger.user.v1'], protoFiles: ['roomledger/user/v1/user.proto'] },
  });
}
