// Loaded first by main.ts: the OpenTelemetry SDK must patch http, pg, kafkajs and ioredis before they load.
import { loadConfigOrExit } from '@roomledger/config';
import { createLogger, startTracing } from '@roomledger/observability';
import { configSchema } from './config';

export const config = loadConfigOrExit('gateway', configSchema);
export const tracing = startTracing({
  serviceName: 'gateway',
  endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  enabled: !config.OTEL_SDK_DISABLED,
});
export const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
