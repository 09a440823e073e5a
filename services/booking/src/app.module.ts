import { Module, type DynamicModule } from '@nestjs/common';
import {
  backgroundRuntime,
  serviceModules,
  startService,
  type StartedService,
} from '@roomledger/service-runtime';
import type { Logger } from 'pino';
import { BookingRuntime } from './booking.runtime';
import type { BookingConfig } from './config';
import { BookingGrpcController, BookingGrpcErrorFilter } from './grpc/booking.grpc-controller';
import { MeetingGrpcController } from './meetings/meeting.grpc-controller';
import { SchedulingGrpcController } from './scheduling/scheduling.grpc-controller';

@Module({})
export class BookingAppModule {
  static forRoot(config: BookingConfig, logger: Logger): DynamicModule {
    const runtime = backgroundRuntime({
      token: BookingRuntime,
      readModel: 'booking_read',
      create: (clients) => BookingRuntime.create({ config, logger, ...clients }),
    });
    return {
      module: BookingAppModule,
      imports: serviceModules({
        service: 'booking',
        logger,
        postgres: { url: config.DATABASE_URL },
        kafka: { brokers: config.KAFKA_BROKERS },
        extraChecks: [runtime.readiness],
      }),
      controllers: [BookingGrpcController, MeetingGrpcController, SchedulingGrpcController],
      providers: [BookingGrpcErrorFilter, ...runtime.providers],
    };
  }
}

export function startBooking(config: BookingConfig, logger: Logger): Promise<StartedService> {
  return startService({
    module: BookingAppModule.forRoot(config, logger),
    config,
    logger,
    grpc: {
      packages: ['roomledger.booking.v1', 'roomledger.meeting.v1', 'roomledger.scheduling.v1'],
      protoFiles: [
        'roomledger/booking/v1/booking.proto',
        'roomledger/meeting/v1/meeting.proto',
        'roomledger/scheduling/v1/scheduling.proto',
      ],
    },
  });
}
