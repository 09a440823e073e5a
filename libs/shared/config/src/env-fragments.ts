import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

export const env = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback),
  host: (fallback = '127.0.0.1') => z.string().min(1).default(fallback),
  flag: (fallback: boolean) => booleanFlag.default(fallback),
  url: (fallback: string, protocols: string[]) =>
    z
      .string()
      .default(fallback)
      .refine(
        (value) => {
          try {
            return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
          } catch {
            return false;
          }
        },
        `must be a ${protocols.join(' or ')} URL`,
      ),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  brokers: (fallback = '127.0.0.1:9092') =>
    z
      .string()
      .default(fallback)
      .transform((value) => value.split(',').map((broker) => broker.trim()))
      .refine(
        (brokers) => brokers.every((broker) => /^[^:\s]+:\d{1,5}$/.test(broker)),
        'must be host:port[,host:port...]',
      ),
};

/** Variables every service reads: where it listens, how it logs, where its traces go. */
export function serviceEnv(defaults: { httpPort: number; grpcPort: number }) {
  return {
    LOG_LEVEL: env.logLevel(),
    HTTP_HOST: env.host(),
    HTTP_PORT: env.port(defaults.httpPort),
    GRPC_HOST: env.host(),
    GRPC_PORT: env.port(defaults.grpcPort),
    OTEL_SDK_DISABLED: env.flag(false),
    OTEL_EXPORTER_OTLP_ENDPOINT: env.url('http://127.0.0.1:4318', ['http', 'https']),
    SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
  };
}

export const dataEnv = {
  DATABASE_URL: () =>
    env.url('postgres://roomledger:roomledger@127.0.0.1:5432/roomledger', ['postgres', 'postgresql']),
  REDIS_URL: () => env.url('redis://127.0.0.1:6379', ['redis', 'rediss']),
  KAFKA_BROKERS: () => env.brokers(),
  /** A Kafka topic name (default: the public contract's); tests and benchmarks point services at their own. */
  topic: (fallback: string) =>
    z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a Kafka topic name')
      .default(fallback),
};
