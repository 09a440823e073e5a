import { config, logger, tracing } from './instrumentation';
import { runServiceProcess } from '@roomledger/service-runtime';
import { startNotification } from './app.module';

void runServiceProcess({
  name: 'notification',
  logger,
  tracing,
  graceMs: config.SHUTDOWN_GRACE_MS,
  start: () => startNotification(config, logger),
});
