// Smoke test proving that kafkajs (the project's Kafka client) works against the local broker:
// creates a throwaway topic, joins a consumer group, produces, consumes, commits offsets and
// checks them, then deletes the topic and the group. Exits non-zero on any failure or after 60 s.
//
// Usage: node infra/local/kafka-smoke.mjs [--brokers 127.0.0.1:9092]   (env KAFKA_BROKERS too)
// Run with the project's Node (node_modules/.bin/node).
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { Kafka, Partitioners, logLevel } from 'kafkajs';

const { values: args } = parseArgs({
  options: { brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' } },
});
const kafkajsVersion = createRequire(import.meta.url)('kafkajs/package.json').version;

const started = Date.now();
const log = (msg) => console.log(`[${String(Date.now() - started).padStart(5)} ms] ${msg}`);
const suffix = `${process.pid}-${Date.now()}`;
const topic = `smoke.${suffix}`;
const groupId = `smoke-${suffix}`;
const count = 5;

const kafka = new Kafka({
  clientId: 'roomledger-kafka-smoke',
  brokers: args.brokers.split(','),
  logLevel: logLevel.ERROR,
  connectionTimeout: 5000,
});
const admin = kafka.admin();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });

process.exitCode = 1; // until the test reaches OK, so a stalled run can never pass
// unref: the timer alone does not keep the process alive once the test has finished.
setTimeout(() => {
  console.error('kafka smoke test: timed out after 60 s');
  process.exit(1);
}, 60_000).unref();

async function main() {
  await admin.connect();
  const cluster = await admin.describeCluster();
  log(
    `kafkajs ${kafkajsVersion} connected: cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller}`,
  );

  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
  });
  log(`created topic ${topic} (2 partitions)`);

  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, (e) => resolve(e.payload)));
  const received = [];
  let allReceived;
  const done = new Promise((resolve) => (allReceived = resolve));

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic: t, partition, message }) => {
      received.push({
        partition,
        offset: message.offset,
        key: message.key?.toString(),
        value: message.value?.toString(),
      });
      await consumer.commitOffsets([
        { topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() },
      ]);
      if (received.length === count) allReceived();
    },
  });
  const join = await joined;
  log(`consumer joined group ${join.groupId} (leader ${join.isLeader}, protocol ${join.groupProtocol})`);

  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    key: `k${i}`,
    value: JSON.stringify({ n: i }),
  }));
  const acks = await producer.send({ topic, acks: -1, messages });
  log(
    `produced ${count} messages (idempotent, acks=all): ${acks.map((a) => `p${a.partition}@${a.baseOffset}`).join(' ')}`,
  );

  await done;
  log(
    `consumed ${received.length} messages: ${received.map((m) => `${m.key}=p${m.partition}@${m.offset}`).join(' ')}`,
  );

  await consumer.stop();
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
  const total = committed[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  if (total !== count) throw new Error(`committed offsets add up to ${total}, expected ${count}`);
  log(`committed offsets: ${committed[0].partitions.map((p) => `p${p.partition}=${p.offset}`).join(' ')}`);

  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteGroups([groupId]);
  await admin.deleteTopics({ topics: [topic] });
  log(`deleted topic ${topic} and group ${groupId}`);
  await admin.disconnect();
  log('OK');
  process.exitCode = 0;
}

main().catch(async (err) => {
  console.error(`kafka smoke test FAILED: ${err.stack ?? err}`);
  await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect().catch(() => {});
  process.exit(1);
});
