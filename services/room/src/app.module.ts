import { Module, type DynamicModule } from '@nestjs/common';
import type { ServiceMetrics } from '@roomledger/observability';
import {
  KAFKA,
  METRICS,
  lifecycleOf,
  PG_POOL,
  serviceModules,
  startService,
  type ReadinessCheck,
  type StartedService,
} from '@roomledger/service-runtime';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { RoomConfig } from './config';
import { RoomGrpcController, RoomGrpcErrorFilter } from './grpc/room.grpc-controller';
import { RoomRuntime } from './room.runtime';

/**
 * The room service: the room catalogue. Commands on `room-<roomId>` streams (gRPC), the `room_read`
 * projection, the public `room.events.v1` feed, and busy intervals from `booking.events.v1` for search.
 */
@Module({})
export class RoomAppModule {
  static forRoot(config: RoomConfig, logger: Logger): DynamicModule {
    let runtime: RoomRuntime | undefined;
    const readModel: ReadinessCheck = {
      name: 'read_model',
      async check() {
        if (!runtime) throw new Error('starting');
        const status = runtime.status();
        if (status.projection === 'failed') throw new Error('room_read projection stopped');
        return status;
      },
    };
    return {
      module: RoomAppModule,
      imports: serviceModules({
        service: 'room',
        logger,
        postgres: { url: config.DATABASE_URL },
        kafka: { brokers: config.KAFKA_BROKERS },
        extraChecks: [readModel],
      }),
      controllers: [RoomGrpcController],
      providers: [
        RoomGrpcErrorFilter,
        lifecycleOf(RoomRuntime),
        {
          provide: RoomRuntime,
          inject: [PG_POOL, KAFKA, METRICS],
          useFactory: async (pool: Pool, kafka: Kafka, metrics: ServiceMetrics) => {
            runtime = await RoomRuntime.create({ config, pool, kafka, logger, metrics });
            return runtime;
          },
        },
      ],
    };
  }
}

export function startRoom(config: RoomConfig, logger: Logger): Promise<StartedService> {
  return startService({
    module: RoomAppModule.forRoot(config, logger),
    config,
    logger,
    grpc: { packages: ['roomledger.room.v1'], protoFiles: ['roomledger/room/v1/room.proto'] },
  });
}
