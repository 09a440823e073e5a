import { loadConfig, type EnvSchema } from '@roomledger/config';
import { createLogger, type Logger } from '@roomledger/observability';
import type { z } from 'zod';
import { freePort } from './ports';
import { testStack } from './stack';

/** What a started service offers a test (structurally the runtime's StartedService). */
export interface StartedService {
  httpUrl: string;
  grpcAddress: string;
  close(): Promise<void>;
}

/**
 * Starts a real service in the test process on free ports, against the test servers, through the
 * same start function its main.ts uses. Tracing stays off unless a test asks for it.
 */
export async function startTestService<S extends EnvSchema>(options: {
  schema: S;
  start: (config: z.infer<S>, logger: Logger) => Promise<StartedService>;
  env?: Record<string, string>;
  service?: string;
}): Promise<StartedService & { config: z.infer<S> }> {
  const env: Record<string, string> = {
    HTTP_PORT: String(await freePort()),
    GRPC_PORT: String(await freePort()),
    DATABASE_URL: testStack.databaseUrl,
    REDIS_URL: testStack.redisUrl,
    KAFKA_BROKERS: testStack.kafkaBrokers.join(','),
    SMTP_URL: testStack.smtpUrl,
    OTEL_EXPORTER_OTLP_ENDPOINT: testStack.otlpEndpoint,
    OTEL_SDK_DISABLED: 'true',
    LOG_LEVEL: process.env.ROOMLEDGER_TEST_LOG_LEVEL ?? 'warn',
    SHUTDOWN_GRACE_MS: '5000',
    ...options.env,
  };
  const config = loadConfig(options.schema, env);
  const logger = createLogger({ service: options.service ?? 'test', level: env.LOG_LEVEL });
  const started = await options.start(config, logger);
  return { ...started, config };
}
