import { config, logger, tracing } from './instrumentation';
import { runServiceProcess } from '@roomledger/service-runtime';
import { startBooking } from './app.module';

void runServiceProcess({
  name: 'booking',
  logger,
  tracing,
  graceMs: config.SHUTDOWN_GRACE_MS,
  start: () => startBooking(config, logger),
});
