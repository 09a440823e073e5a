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
import { BookingRuntime } from './booking.runtime';
import type { BookingConfig } from './config';
import { BookingGrpcController, BookingGrpcErrorFilter } from './grpc/booking.grpc-controller';

@Module({})
export class BookingAppModule {
  static forRoot(config: BookingConfig, logger: Logger): DynamicModule {
    let runtime: BookingRuntime | undefined;
    const readModel: ReadinessCheck = {
      name: 'read_model',
      async check() {
        if (!runtime) throw new Error('starting');
        const status = runtime.status();
        if (status.projection === 'failed') throw new Error('booking_read projection stopped');
        return status;
      },
    };
    return {
      module: BookingAppModule,
      imports: serviceModules({
        service: 'booking',
        logger,
        postgres: { url: config.DATABASE_URL },
        kafka: { brokers: config.KAFKA_BROKERS },
        extraChecks: [readModel],
      }),
      controllers: [BookingGrpcController],
      providers: [
        BookingGrpcErrorFilter,
        lifecycleOf(BookingRuntime),
        {
          provide: BookingRuntime,
          inject: [PG_POOL, KAFKA, METRICS],
          useFactory: async (pool: Pool, kafka: Kafka, metrics: ServiceMetrics) => {
            runtime = await BookingRuntime.create({ config, pool, kafka, logger, metrics });
            return runtime;
          },
        },
      ],
    };
  }
}

export function startBooking(config: BookingConfig, logger: Logger): Promise<StartedService> {
  return startService({
    module: BookingAppModule.forRoot(config, logger),
    config,
    logger,
    grpc: { packages: ['roomledger.booking.v1'], protoFiles: ['roomledger/booking/v1/booking.proto'] },
  });
}
