/**
 * Where the test servers are. The global setup starts them (local processes here, containers where
 * a Docker engine answers) and exports their addresses; every test reads them from here.
 */
export const testStack = {
  get databaseUrl(): string {
    return (
      process.env.ROOMLEDGER_TEST_DATABASE_URL ?? 'postgres://roomledger:roomledger@127.0.0.1:5432/roomledger'
    );
  },
  get redisUrl(): string {
    return process.env.ROOMLEDGER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  },
  get kafkaBrokers(): string[] {
    return (process.env.ROOMLEDGER_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  },
  get otlpEndpoint(): string {
    return process.env.ROOMLEDGER_TEST_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318';
  },
  get jaegerQueryUrl(): string {
    return process.env.ROOMLEDGER_TEST_JAEGER_QUERY_URL ?? 'http://127.0.0.1:16686';
  },
  get smtpUrl(): string {
    return process.env.ROOMLEDGER_TEST_SMTP_URL ?? 'smtp://127.0.0.1:1025';
  },
  get mailApiUrl(): string {
    return process.env.ROOMLEDGER_TEST_MAIL_API_URL ?? 'http://127.0.0.1:1080';
  },
};

/** A short random suffix for names that must not collide between tests and runs. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
