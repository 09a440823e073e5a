import { topics } from '@roomledger/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { createTopics, deleteTopics, uniqueGroupId, uniqueTopicName, waitForGroupJoin } from '../kafka';
import { testStack } from '../stack';

describe('Kafka on the test stack', () => {
  const kafka = new Kafka({ clientId: 'smoke', brokers: testStack.kafkaBrokers, logLevel: logLevel.NOTHING });
  const topic = uniqueTopicName('smoke');

  afterAll(() => deleteTopics(kafka, [topic]));

  it('has every topic of the public contract, with its dead-letter topic', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    await admin.disconnect();
    const missing = topics.map((definition) => definition.name).filter((name) => !existing.has(name));
    expect(missing).toEqual([]);
    expect(topics.map((definition) => definition.name)).toContain('booking.events.v1.dlq');
  });

  it('creates a topic, joins a group, delivers a message and commits its offset', async () => {
    await createTopics(kafka, [topic]);
    const groupId = uniqueGroupId('smoke');
    const consumer = kafka.consumer({ groupId });
    const producer = kafka.producer({ idempotent: true });
    await Promise.all([consumer.connect(), producer.connect()]);
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Promise<{ key: string; value: string; offset: string }>((resolve) => {
        void consumer.run({
          autoCommit: false,
          eachMessage: async ({ message, partition }) => {
            await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
            resolve({ key: String(message.key), value: String(message.value), offset: message.offset });
          },
        });
      });
      await waitForGroupJoin(consumer);
      await producer.send({ topic, acks: -1, messages: [{ key: 'room-1', value: '{"hello":"kafka"}' }] });
      expect(await received).toEqual({ key: 'room-1', value: '{"hello":"kafka"}', offset: '0' });

      const admin = kafka.admin();
      await admin.connect();
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      await admin.disconnect();
      expect(committed.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '1' })]);
    } finally {
      await Promise.all([consumer.disconnect(), producer.disconnect()]);
    }
  });
});
