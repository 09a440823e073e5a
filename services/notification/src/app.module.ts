import { Module, type DynamicModule } from '@nestjs/common';
import {
  backgroundRuntime,
  serviceModules,
  startService,
  type StartedService,
} from '@roomledger/service-runtime';
import type { Logger } from 'pino';
import type { NotificationConfig } from './config';
import { NotificationGrpcController, NotificationGrpcErrorFilter } from './grpc/notification.grpc-controller';
import { NotificationRuntime } from './notification.runtime';
import { smtpCheck } from './smtp-check';

@Module({})
export class NotificationAppModule {
  static forRoot(config: NotificationConfig, logger: Logger): DynamicModule {
    const runtime = backgroundRuntime({
      token: NotificationRuntime,
      readModel: 'notification directory',
      create: (clients) => NotificationRuntime.create({ config, logger, ...clients }),
    });
    return {
      module: NotificationAppModule,
      imports: serviceModules({
        service: 'notification',
        logger,
        // One connection per intake member and per e-mail in flight, plus the relay's lease, its reads,
        // the dispatchers' claims and records, the inbox LISTEN connection, the API and readiness.
        postgres: {
          url: config.DATABASE_URL,
          maxConnections: config.INTAKE_CONSUMERS + config.EMAIL_CONCURRENCY + 12,
        },
        redis: { url: config.REDIS_URL },
        kafka: { brokers: config.KAFKA_BROKERS },
        extraChecks: [smtpCheck(config.SMTP_URL), runtime.readiness],
      }),
      controllers: [NotificationGrpcController],
      providers: [NotificationGrpcErrorFilter, ...runtime.providers],
    };
  }
}

export function startNotification(config: NotificationConfig, logger: Logger): Promise<StartedService> {
  return startService({
    module: NotificationAppModule.forRoot(config, logger),
    config,
    logger,
    grpc: {
      packages: ['roomledger.notification.v1'],
      protoFiles: ['roomledger/notification/v1/notification.proto'],
    },
  });
}
