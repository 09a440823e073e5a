import { config, logger, tracing } from './instrumentation';
import { runServiceProcess } from '@roomledger/service-runtime';
import { startGateway } from './app.module';

void runServiceProcess({
  name: 'gateway',
  logger,
  tracing,
  graceMs: config.SHUTDOWN_GRACE_MS,
  start: () => startGateway(config, logger),
});
