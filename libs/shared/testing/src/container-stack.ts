import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

const root = join(__dirname, '../../../..');

/**
 * The same servers as infra/local, as containers, for machines with a Docker engine. Their addresses
 * go into the environment the test workers inherit (see stack.ts). Ryuk removes them when Jest exits.
 */
export async function startContainerStack(): Promise<StartedTestContainer[]> {
  const [postgres, redis, kafka, jaeger, mail] = await Promise.all([
    new GenericContainer('postgres:17')
      .withEnvironment({
        POSTGRES_USER: 'roomledger',
        POSTGRES_PASSWORD: 'roomledger',
        POSTGRES_DB: 'roomledger',
      })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start(),
    new GenericContainer('redis:7').withExposedPorts(6379).start(),
    new GenericContainer('apache/kafka:4.1.1')
      .withExposedPorts({ container: 9092, host: 19092 })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:19092',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
    new GenericContainer('jaegertracing/jaeger:2.13.0')
      .withExposedPorts(4318, 16686)
      .withWaitStrategy(Wait.forHttp('/api/services', 16686))
      .start(),
    new GenericContainer('axllent/mailpit:v1.27').withExposedPorts(1025, 8025).start(),
  ]);
  const host = (container: StartedTestContainer, port: number) =>
    `${container.getHost()}:${container.getMappedPort(port)}`;
  Object.assign(process.env, {
    ROOMLEDGER_TEST_DATABASE_URL: `postgres://roomledger:roomledger@${host(postgres, 5432)}/roomledger`,
    ROOMLEDGER_TEST_REDIS_URL: `redis://${host(redis, 6379)}`,
    ROOMLEDGER_TEST_KAFKA_BROKERS: '127.0.0.1:19092',
    ROOMLEDGER_TEST_OTLP_ENDPOINT: `http://${host(jaeger, 4318)}`,
    ROOMLEDGER_TEST_JAEGER_QUERY_URL: `http://${host(jaeger, 16686)}`,
    ROOMLEDGER_TEST_SMTP_URL: `smtp://${host(mail, 1025)}`,
    ROOMLEDGER_TEST_MAIL_API_URL: `http://${host(mail, 8025)}`,
  });
  execFileSync(process.execPath, [join(root, 'infra/local/create-topics.mjs')], {
    stdio: 'inherit',
    env: { ...process.env, KAFKA_BROKERS: process.env.ROOMLEDGER_TEST_KAFKA_BROKERS },
  });
  return [postgres, redis, kafka, jaeger, mail];
}
