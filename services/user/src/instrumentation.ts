// Loaded first by main.ts: the OpenTelemetry SDK must patch http, pg, kafkajs and ioredis before they load.
import { loadConfigOrExit } from '@roomledger/config';
import { createLogger, startTracing } from '@roomledger/observability';
import { configSchema } from './config';

export const config = loadConfigOrExit('user', configSchema);
export const tracing = startTracing({
  serviceName: 'user',
  endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  enabled: !config.OTEL_SDK_DISABLED,
});
export const logger = createLogger({ service: 'user', level: config.LOG_LEVEL });
