// Creates the Kafka topics declared in libs/contracts/topics.json (the single source of truth).
// Idempotent: creates the missing topics, leaves existing ones alone, and reports which is which
// (and any existing topic whose partition count differs from the definition). Then it warms the
// group and transaction coordinators (Kafka creates __consumer_offsets and __transaction_state on
// first use), so the first consumer group or idempotent producer of a test does not meet
// "coordinator not available" retries.
//
// Usage: node infra/local/create-topics.mjs [--brokers 127.0.0.1:9092] [--file path/to/topics.json]
// Env:   KAFKA_BROKERS (comma separated) is used when --brokers is not given.
// Run with the project's Node (node_modules/.bin/node); kafkajs comes from the repo's node_modules.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, Partitioners, logLevel } from 'kafkajs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
    file: { type: 'string', default: resolve(here, '../../libs/contracts/topics.json') },
    'replication-factor': { type: 'string', default: '1' },
  },
});

const definition = JSON.parse(readFileSync(args.file, 'utf8'));
const wanted = definition.topics;
if (!Array.isArray(wanted) || wanted.length === 0) {
  throw new Error(`${args.file}: expected a non-empty "topics" array`);
}

const kafka = new Kafka({
  clientId: 'roomledger-create-topics',
  brokers: args.brokers.split(','),
  logLevel: logLevel.ERROR,
  connectionTimeout: 5000,
  retry: { retries: 5 },
});
const admin = kafka.admin();

async function main() {
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.name));
    const present = wanted.filter((t) => existing.has(t.name));

    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: Number(args['replication-factor']),
          configEntries: [
            { name: 'retention.ms', value: String(t.retentionMs) },
            { name: 'cleanup.policy', value: t.cleanupPolicy ?? 'delete' },
          ],
        })),
      });
    }

    const warnings = [];
    if (present.length > 0) {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
      for (const t of present) {
        const actual = described.find((d) => d.name === t.name)?.partitions.length;
        if (actual !== t.partitions) {
          warnings.push(`${t.name} has ${actual} partitions, topics.json says ${t.partitions}`);
        }
      }
    }

    await warmCoordinators();

    const names = (list) => (list.length ? list.map((t) => t.name).join(', ') : '-');
    console.log(`created ${missing.length}: ${names(missing)}`);
    console.log(`already present ${present.length}: ${names(present)}`);
    for (const w of warnings) console.log(`warning: ${w}`);
  } finally {
    await admin.disconnect();
  }
}

async function warmCoordinators() {
  const quiet = new Kafka({
    clientId: 'roomledger-create-topics-warmup',
    brokers: args.brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 10 },
  });
  const quietAdmin = quiet.admin();
  const producer = quiet.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await quietAdmin.connect();
  try {
    await quietAdmin.describeGroups(['roomledger-warmup']); // finds (and so creates) the group coordinator
  } finally {
    await quietAdmin.disconnect();
  }
  await producer.connect(); // idempotent: InitProducerId loads the transaction coordinator
  await producer.disconnect();
}

main().catch((err) => {
  console.error(`create-topics failed: ${err.message}`);
  process.exit(1);
});
