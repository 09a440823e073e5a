import { Module, type DynamicModule } from '@nestjs/common';
import {
  backgroundRuntime,
  serviceModules,
  startService,
  type StartedService,
} from '@roomledger/service-runtime';
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
    const runtime = backgroundRuntime({
      token: RoomRuntime,
      readModel: 'room_read',
      create: (clients) => RoomRuntime.create({ config, logger, ...clients }),
    });
    return {
      module: RoomAppModule,
      imports: serviceModules({
        service: 'room',
        logger,
        postgres: { url: config.DATABASE_URL },
        kafka: { brokers: config.KAFKA_BROKERS },
        extraChecks: [runtime.readiness],
      }),
      controllers: [RoomGrpcController],
      providers: [RoomGrpcErrorFilter, ...runtime.providers],
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
