import type { Consumer, Kafka } from 'kafkajs';
import { uniqueSuffix } from './stack';

export function uniqueTopicName(prefix: string): string {
  return `test.${prefix}.${uniqueSuffix()}`;
}

export function uniqueGroupId(prefix: string): string {
  return `test-${prefix}-${uniqueSuffix()}`;
}

/** Topics are never auto-created on our brokers; tests create theirs explicitly and wait for leaders. */
export async function createTopics(kafka: Kafka, names: string[], partitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, names: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: names, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Resolves once the consumer has joined its group and been given partitions. Producing before that
 * is kafkajs' best-known trap: a consumer starting "from latest" misses what was sent meanwhile.
 */
export function waitForGroupJoin(consumer: Consumer, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      removeListener();
      reject(new Error(`consumer did not join its group within ${timeoutMs} ms`));
    }, timeoutMs);
    const removeListener = consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      removeListener();
      resolve();
    });
  });
}
