import { z } from 'zod';
import { dataEnv, env, serviceEnv } from './env-fragments';
import { ConfigError, configVariables, loadConfig } from './load-config';

const schema = z.object({
  ...serviceEnv({ httpPort: 3102, grpcPort: 50102 }),
  DATABASE_URL: dataEnv.DATABASE_URL(),
  KAFKA_BROKERS: dataEnv.KAFKA_BROKERS(),
  FEATURE_ON: env.flag(false),
});

describe('Loading a service configuration from the environment', () => {
  it('uses defaults that work on the local stack', () => {
    const config = loadConfig(schema, {});
    expect(config).toMatchObject({
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: 3102,
      GRPC_PORT: 50102,
      LOG_LEVEL: 'info',
      OTEL_SDK_DISABLED: false,
      FEATURE_ON: false,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
    });
  });

  it('coerces numbers, lists and flags from their text', () => {
    const config = loadConfig(schema, { HTTP_PORT: '8080', KAFKA_BROKERS: 'a:1, b:2', FEATURE_ON: 'yes' });
    expect(config).toMatchObject({ HTTP_PORT: 8080, KAFKA_BROKERS: ['a:1', 'b:2'], FEATURE_ON: true });
  });

  it('refuses bad values with one line naming every bad variable', () => {
    const attempt = () =>
      loadConfig(schema, { HTTP_PORT: 'eighty', LOG_LEVEL: 'chatty', KAFKA_BROKERS: 'nohost' });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).not.toContain('\n');
    expect(message).toMatch(/HTTP_PORT \("eighty"\)/);
    expect(message).toMatch(/LOG_LEVEL \("chatty"\)/);
    expect(message).toMatch(/KAFKA_BROKERS \("nohost"\): must be host:port/);
  });

  it('never echoes a URL or secret it refuses, since it may hold a password', () => {
    expect(() => loadConfig(schema, { DATABASE_URL: 'mysql://u:hunter2@db/x' })).toThrow(
      /DATABASE_URL \(set\)/,
    );
    expect(() => loadConfig(schema, { DATABASE_URL: 'mysql://u:hunter2@db/x' })).not.toThrow(/hunter2/);
  });

  it('lists the variables a schema reads', () => {
    expect(configVariables(schema)).toContain('DATABASE_URL');
    expect(configVariables(schema)).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
  });
});
