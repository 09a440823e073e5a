import { config, logger, tracing } from './instrumentation';
import { runServiceProcess } from '@roomledger/service-runtime';
import { startRoom } from './app.module';

void runServiceProcess({
  name: 'room',
  logger,
  tracing,
  graceMs: config.SHUTDOWN_GRACE_MS,
  start: () => startRoom(config, logger),
});
