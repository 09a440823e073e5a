import { topics } from '@roomledger/contracts';
import { parseEnvelope, tableOutboxMessage, type TableOutboxRow } from '@roomledger/messaging';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  contractsDir,
  notificationEventTypes,
  notificationSchema,
  validateNotificationEvent,
} from '../testing/notification-schemas.fixtures';

type Json = Record<string, unknown>;
const topic = 'notification.events.v1';

/** The same promises libs/contracts checks for the other topics, for notification.events.v1. */
describe('The notification.events.v1 contract', () => {
  it('has one schema file per event type, and no other', () => {
    expect(readdirSync(join(contractsDir, 'schemas', topic)).sort()).toEqual(
      notificationEventTypes.map((type) => `${type}.schema.json`).sort(),
    );
  });

  it.each(notificationEventTypes)(
    '%s compiles under ajv strict mode, is named after its ce_type, tolerates additions',
    (type) => {
      const schema = notificationSchema(type);
      expect(() => addFormats(new Ajv2020({ strict: true, allErrors: true })).compile(schema)).not.toThrow();
      expect(schema).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `https://roomledger.dev/schemas/${topic}/${type}.schema.json`,
        title: `roomledger.notification.${type}.v1`,
        type: 'object',
        additionalProperties: true,
      });
      expect(schema.description).toContain('Consumers must tolerate properties not listed here');
    },
  );

  it('carries nothing personal: no property may hold an address or a name', () => {
    for (const type of notificationEventTypes) {
      const names = Object.keys(notificationSchema(type).properties as Json);
      expect(names.filter((name) => /email|address|name$/i.test(name))).toEqual([]);
    }
  });

  it('refuses a dead letter without a known reason, and a failure without its next attempt', () => {
    const facts = example('dead-lettered');
    expect(validateNotificationEvent('dead-lettered', { ...facts, reason: 'bored' }).valid).toBe(false);
    const { nextAttemptAt: _, ...withoutRetry } = example('failed');
    expect(validateNotificationEvent('failed', withoutRetry)).toEqual({
      valid: false,
      errors: ["/ must have required property 'nextAttemptAt'"],
    });
  });

  describe('its AsyncAPI document', () => {
    const path = join(contractsDir, 'asyncapi', `${topic}.yaml`);
    const doc = parse(readFileSync(path, 'utf8')) as {
      asyncapi: string;
      info: { description: string };
      channels: Record<string, Json & { address: string; bindings: Json; messages: Record<string, unknown> }>;
      operations: Record<string, { action: string; messages: { $ref: string }[] }>;
      components: { messages: Record<string, Json & { examples: { headers: Json; payload: Json }[] }> };
    };
    const [channel] = Object.values(doc.channels);

    it('is AsyncAPI 3.0.0 with one channel, a topic of topics.json with its partitions and retention', () => {
      expect(doc.asyncapi).toBe('3.0.0');
      expect(channel.address).toBe(topic);
      const definition = topics.find((candidate) => candidate.name === topic)!;
      expect(channel.bindings).toMatchObject({
        kafka: {
          topic,
          partitions: definition.partitions,
          topicConfiguration: {
            'retention.ms': definition.retentionMs,
            'cleanup.policy': [definition.cleanupPolicy],
          },
        },
      });
    });

    it('states the delivery semantics and lists exactly the event types everywhere', () => {
      expect(channel['x-delivery']).toEqual({
        guarantee: 'at-least-once',
        deduplicateBy: 'ce_id',
        ordering: 'per key (notificationId)',
      });
      expect(doc.info.description).toContain('at-least-once');
      const names = [...notificationEventTypes].sort();
      expect(Object.keys(channel.messages).sort()).toEqual(names);
      expect(Object.keys(doc.components.messages).sort()).toEqual(names);
      const [operation] = Object.values(doc.operations);
      expect(operation.action).toBe('send');
      expect(operation.messages.map((message) => message.$ref.split('/').pop()).sort()).toEqual(names);
    });

    it('resolves every $ref', () => {
      for (const ref of collectRefs(doc)) {
        if (ref.startsWith('#/'))
          expect({ ref, found: pointer(doc, ref) !== undefined }).toEqual({ ref, found: true });
        else expect({ ref, exists: existsSync(resolve(dirname(path), ref)) }).toEqual({ ref, exists: true });
      }
    });

    it.each(notificationEventTypes)(
      '%s: its example is valid and its headers are what the relay writes',
      (type) => {
        const message = doc.components.messages[type];
        expect(message.title).toBe(`roomledger.notification.${type}.v1`);
        for (const { headers, payload } of message.examples) {
          expect(validateNotificationEvent(type, payload)).toEqual({ valid: true });
          const row: TableOutboxRow = {
            id: String(headers.ce_id),
            subject: String(payload.notificationId),
            type,
            payload,
            traceparent: null,
            tracestate: null,
            created_at: new Date(String(headers.ce_time)),
          };
          expect(tableOutboxMessage(row, 'notification').headers).toEqual(headers);
        }
      },
    );
  });

  function example(type: string): Json {
    const doc = parse(readFileSync(join(contractsDir, 'asyncapi', `${topic}.yaml`), 'utf8')) as {
      components: { messages: Record<string, { examples: { payload: Json }[] }> };
    };
    return doc.components.messages[type].examples[0].payload;
  }
});

describe('An outbox row as a Kafka message', () => {
  it('is keyed by notification id and is what our consumers parse', () => {
    const row: TableOutboxRow = {
      id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      subject: '3f2c8a51-7d4e-5b1a-9c6f-2e8d4b7a1c03',
      type: 'sent',
      payload: { notificationId: '3f2c8a51-7d4e-5b1a-9c6f-2e8d4b7a1c03' },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: null,
      created_at: new Date('2026-03-02T08:17:30.610Z'),
    };
    const message = tableOutboxMessage(row, 'notification');
    expect(message.key).toBe(row.subject);
    expect(
      parseEnvelope(
        { headers: message.headers!, value: Buffer.from(String(message.value)) },
        { topic, partition: 0, offset: '0' },
      ),
    ).toEqual({
      id: row.id,
      type: 'roomledger.notification.sent.v1',
      source: '/roomledger/notification',
      time: row.created_at,
      subject: row.subject,
      traceparent: row.traceparent,
      data: row.payload,
    });
  });
});

function collectRefs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(collectRefs);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [value] : collectRefs(value),
  );
}

function pointer(doc: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], doc);
}
