import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModules, startService, type StartedService } from '@roomledger/service-runtime';
import type { Logger } from 'pino';
import type { NotificationConfig } from './config';
import { smtpCheck } from './smtp-check';

@Module({})
export class NotificationAppModule {
  static forRoot(config: NotificationConfig, logger: Logger): DynamicModule {
    return {
      module: NotificationAppModule,
      imports: serviceModules({
        service: 'notification',
        logger,
        postgres: { url: config.DATABASE_URL },
        redis: { url: config.REDIS_URL },
        kafka: { brokers: config.KAFKA_BROKERS },
        extraChecks: [smtpCheck(config.SMTP_URL)],
      }),
    };
  }
}

export function startNotification(config: NotificationConfig, logger: Logger): Promise<StartedService> {
  return startService({ module: NotificationAppModule.forRoot(config, logger), config, logger });
}
