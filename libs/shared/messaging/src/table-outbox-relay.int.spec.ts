import { randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  createTopics,
  deleteTopics,
  eventually,
  plainConsumers,
  testStack,
  uniqueTopicName,
  type TestDatabase,
} from '@roomledger/testing';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { createKafka } from './kafka';
import { TableOutboxRelay, type TableOutboxRelayOptions } from './table-outbox-relay';

const logger = pino({ level: 'silent' });

/**
 * The table outbox relay on real PostgreSQL and Kafka, on outbox tables of the shape the user and
 * notification services keep (their own int specs cover leadership and hand-over on their tables).
 */
describe('The table outbox relay', () => {
  let database: TestDatabase;
  const kafka = createKafka({ clientId: 'table-outbox-test', brokers: testStack.kafkaBrokers, logger });
  const admin = new Kafka({
    clientId: 'table-outbox-test-admin',
    brokers: testStack.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const topics: string[] = [];
  const consumers = plainConsumers(admin, 'table-outbox');
  const relays: TableOutboxRelay[] = [];
  let tables = 0;

  beforeAll(async () => {
    database = await createTestDatabase('rl_table_outbox');
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await consumers.disconnect();
  });

  afterAll(async () => {
    await database?.drop();
    if (topics.length > 0) await deleteTopics(admin, topics);
  });

  /** A fresh outbox table (its own schema, so its own lease), with a NOTIFY trigger when `channel` is given. */
  async function outboxTable(channel?: string): Promise<string> {
    const schema = `shop${(tables += 1)}`;
    await database.pool.query(`
      create schema ${schema};
      create table ${schema}.outbox (
        id uuid primary key,
        position bigint generated always as identity unique,
        order_id uuid not null,
        type text not null,
        payload jsonb not null,
        traceparent text,
        tracestate text,
        created_at timestamptz not null default now(),
        published_at timestamptz
      );
      create index outbox_pending on ${schema}.outbox (position) where published_at is null;
      ${
        channel
          ? `create function ${schema}.notify_outbox() returns trigger language plpgsql as $fn$
             begin perform pg_notify('${channel}', ''); return null; end $fn$;
             create trigger outbox_inserted after insert on ${schema}.outbox
               for each statement execute function ${schema}.notify_outbox();`
          : ''
      }`);
    return `${schema}.outbox`;
  }

  async function write(
    table: string,
    orderId: string,
    n: number,
    trace: { traceparent?: string; tracestate?: string } = {},
  ): Promise<string> {
    const id = randomUUID();
    await database.pool.query(
      `insert into ${table} (id, order_id, type, payload, traceparent, tracestate) values ($1, $2, 'placed', $3, $4, $5)`,
      [id, orderId, JSON.stringify({ n }), trace.traceparent ?? null, trace.tracestate ?? null],
    );
    return id;
  }

  const pending = async (table: string): Promise<number> =>
    Number(
      (
        await database.pool.query<{ n: string }>(
          `select count(*) as n from ${table} where published_at is null`,
        )
      ).rows[0].n,
    );

  async function freshTopic(create = true): Promise<string> {
    const topic = uniqueTopicName('table-outbox');
    if (create) await createTopics(admin, [topic], 3);
    topics.push(topic);
    return topic;
  }

  function start(options: Partial<TableOutboxRelayOptions> & { table: string; topic: string }) {
    const relay = new TableOutboxRelay({
      pool: database.pool,
      kafka,
      logger,
      keyColumn: 'order_id',
      service: 'shop',
      leaseRetryMs: 100,
      // Longer than any wait here: whatever is published was found by the first look or a wake-up.
      pollIntervalMs: 120_000,
      ...options,
    });
    relay.start();
    relays.push(relay);
    return relay;
  }

  it('publishes in position order, as CloudEvents in the trace stored with each row, and marks them', async () => {
    const table = await outboxTable();
    const topic = await freshTopic();
    const received = await consumers.consume<{ n: number }>(topic);
    const orderId = randomUUID();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const first = await write(table, orderId, 1, { traceparent, tracestate: 'vendor=1' });
    for (let n = 2; n <= 12; n += 1) await write(table, orderId, n);
    const counted: number[] = [];

    start({ table, topic, tracestateColumn: true, onPublished: (count) => counted.push(count) });

    await eventually(() => expect(received.map((message) => message.value.n)).toEqual(range(1, 12)), 60_000);
    expect(received[0]).toMatchObject({
      key: orderId,
      headers: {
        ce_specversion: '1.0',
        ce_id: first,
        ce_type: 'roomledger.shop.placed.v1',
        ce_source: '/roomledger/shop',
        ce_subject: orderId,
        'content-type': 'application/json',
        traceparent,
        tracestate: 'vendor=1',
      },
    });
    expect(received[1].headers).not.toHaveProperty('traceparent');
    await eventually(async () => expect(await pending(table)).toBe(0));
    expect(counted.reduce((sum, count) => sum + count, 0)).toBe(12);
  });

  it('marks nothing Kafka has not acknowledged: rows wait while the topic is missing, then go in order', async () => {
    const table = await outboxTable();
    const topic = await freshTopic(false);
    const orderId = randomUUID();
    for (let n = 1; n <= 3; n += 1) await write(table, orderId, n);

    const relay = start({ table, topic });

    await eventually(() => expect(relay.status().lastError).toBeDefined(), 120_000, 500);
    expect(await pending(table)).toBe(3);
    expect(relay.status().published).toBe(0);

    await createTopics(admin, [topic], 3);
    const received = await consumers.consume<{ n: number }>(topic);
    await eventually(
      () => expect(received.map((message) => message.value.n)).toEqual([1, 2, 3]),
      120_000,
      500,
    );
    await eventually(async () => expect(await pending(table)).toBe(0));
    expect(relay.status()).toMatchObject({ role: 'leader', published: 3, lastError: undefined });
  });

  it('is woken by the NOTIFY of its table’s trigger, for rows any instance wrote', async () => {
    const table = await outboxTable('shop_outbox_test');
    const topic = await freshTopic();
    const received = await consumers.consume<{ n: number }>(topic);
    const relay = start({ table, topic, notifyChannel: 'shop_outbox_test' });
    await eventually(() => expect(relay.status().role).toBe('leader'));
    await write(table, randomUUID(), 1);
    await eventually(() => expect(received.map((message) => message.value.n)).toEqual([1]));

    await write(table, randomUUID(), 2);

    await eventually(() => expect(received.map((message) => message.value.n)).toEqual([1, 2]));
  });

  it('is woken in-process by wake() when the table has no trigger', async () => {
    const table = await outboxTable();
    const topic = await freshTopic();
    const received = await consumers.consume<{ n: number }>(topic);
    const relay = start({ table, topic });
    await eventually(() => expect(relay.status().role).toBe('leader'));
    await write(table, randomUUID(), 1);
    relay.wake();
    await eventually(() => expect(received.map((message) => message.value.n)).toEqual([1]));

    await write(table, randomUUID(), 2);
    relay.wake();

    await eventually(() => expect(received.map((message) => message.value.n)).toEqual([1, 2]));
  });

  it('refuses a table or column name it would have to quote', () => {
    const options = {
      pool: database.pool,
      kafka,
      logger,
      keyColumn: 'order_id',
      topic: 't',
      service: 'shop',
    };
    expect(() => new TableOutboxRelay({ ...options, table: 'outbox' })).toThrow(/schema\.table/);
    expect(() => new TableOutboxRelay({ ...options, table: 'a.b; drop table x' })).toThrow(/schema\.table/);
    expect(() => new TableOutboxRelay({ ...options, table: 'a.outbox', keyColumn: 'Order Id' })).toThrow(
      /identifier/,
    );
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}
