import { config, logger, tracing } from './instrumentation';
import { runServiceProcess } from '@roomledger/service-runtime';
import { startUser } from './app.module';

void runServiceProcess({
  name: 'user',
  logger,
  tracing,
  graceMs: config.SHUTDOWN_GRACE_MS,
  start: () => startUser(config, logger),
});
