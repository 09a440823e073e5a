import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  bookingEventTypes,
  ceType,
  meetingEventTypes,
  eventSchema,
  roomEventTypes,
  userEventTypes,
  validateEventPayload,
  type EventTopic,
  type EventTypesByTopic,
} from './event-schemas';
import {
  blocked,
  cancelled,
  confirmed,
  examples,
  held,
  invitationResponded,
  lifted,
  meetingScheduled,
  meetingUpdated,
  occurrenceConflicted,
  rescheduled,
  room,
  user,
} from './event-schemas.fixtures';
import { topics } from './topics';

const contracts = resolve(__dirname, '..');
const topicsOf = {
  booking: 'booking.events.v1',
  meeting: 'meeting.events.v1',
  room: 'room.events.v1',
  user: 'user.events.v1',
} as const;
const eventTypesOf = {
  'booking.events.v1': bookingEventTypes,
  'meeting.events.v1': meetingEventTypes,
  'room.events.v1': roomEventTypes,
  'user.events.v1': userEventTypes,
} as const;
/** The payload property each topic is keyed (and so ordered) by. */
const keyOf = { booking: 'roomId', meeting: 'meetingId', room: 'roomId', user: 'userId' } as const;
/** The service that publishes each topic (`ce_source` is `/roomledger/<service>`): meetings are the booking service's. */
const sourceOf = { booking: 'booking', meeting: 'booking', room: 'room', user: 'user' } as const;

type Json = Record<string, unknown>;
const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8')) as Json;
const readYaml = (path: string): Json => parse(readFileSync(path, 'utf8')) as Json;
const schemaFile = (topic: EventTopic, name: string) =>
  join(contracts, 'schemas', topic, `${name}.schema.json`);

const valid = <T extends EventTopic>(topic: T, name: EventTypesByTopic[T], value: unknown) =>
  expect(validateEventPayload(topic, name, value)).toEqual({ valid: true });

const invalid = <T extends EventTopic>(
  topic: T,
  name: EventTypesByTopic[T],
  value: unknown,
  error: string,
) => {
  const result = validateEventPayload(topic, name, value);
  expect(result.valid).toBe(false);
  if (!result.valid) expect(result.errors).toContainEqual(expect.stringContaining(error));
};

describe('The public event contract', () => {
  describe.each(Object.keys(eventTypesOf) as EventTopic[])('%s', (topic) => {
    const noun = topic.split('.')[0];

    it('has one schema file per public event type, and no other', () => {
      const files = readdirSync(join(contracts, 'schemas', topic)).sort();
      expect(files).toEqual(eventTypesOf[topic].map((name) => `${name}.schema.json`).sort());
    });

    it.each(eventTypesOf[topic] as readonly string[])(
      '%s compiles under ajv strict mode and is named after its ce_type',
      (name) => {
        const schema = readJson(schemaFile(topic, name));
        const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }));
        expect(() => ajv.compile(schema)).not.toThrow();
        expect(schema).toMatchObject({
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          $id: `https://roomledger.dev/schemas/${topic}/${name}.schema.json`,
          title: `roomledger.${noun}.${name}.v1`,
          type: 'object',
        });
        expect(eventSchema(topic, name as never)).toEqual(schema);
      },
    );

    it.each(eventTypesOf[topic] as readonly string[])(
      '%s lets consumers tolerate additions, and says so',
      (name) => {
        const schema = readJson(schemaFile(topic, name));
        expect(schema.additionalProperties).toBe(true);
        expect(schema.description).toContain('Consumers must tolerate properties not listed here');
      },
    );
  });

  it('builds ce_type from the topic noun and the event type', () => {
    expect(ceType('booking', 'held')).toBe('roomledger.booking.held.v1');
    expect(ceType('booking', 'maintenance-lifted')).toBe('roomledger.booking.maintenance-lifted.v1');
    expect(ceType('room', 'registered')).toBe('roomledger.room.registered.v1');
    expect(ceType('user', 'preferences-changed')).toBe('roomledger.user.preferences-changed.v1');
    expect(ceType('meeting', 'series-split')).toBe('roomledger.meeting.series-split.v1');
  });

  it('refuses to validate an event type the contract does not define', () => {
    expect(() => validateEventPayload('room.events.v1', 'held' as never, {})).toThrow(/no event held/);
  });
});

describe('The payload interfaces', () => {
  // Each minimal example is typed with exactly the interface's required properties and each complete
  // one with all of them, so together with these checks the interfaces and schemas cannot drift apart.
  it.each(examples())('name exactly the properties of %s/%s', (topic, name, minimal, complete) => {
    const schema = readJson(schemaFile(topic, name));
    expect(Object.keys(minimal).sort()).toEqual([...(schema.required as string[])].sort());
    expectSameProperties(complete, schema);
  });

  it.each(examples())(
    'accept realistic %s/%s payloads, minimal and complete',
    (topic, name, minimal, complete) => {
      valid(topic, name, minimal);
      valid(topic, name, complete);
    },
  );
});

describe('When a booking event breaks the contract', () => {
  it('refuses a payload without bookingId', () => {
    const { bookingId: _, ...withoutId } = confirmed;
    invalid('booking.events.v1', 'confirmed', withoutId, "must have required property 'bookingId'");
  });

  it('refuses a bookingId that is not a uuid', () => {
    invalid(
      'booking.events.v1',
      'confirmed',
      { ...confirmed, bookingId: 'b-1' },
      '/bookingId must match format "uuid"',
    );
  });

  it('refuses an empty roomId but accepts one that is not a uuid', () => {
    invalid(
      'booking.events.v1',
      'held',
      { ...held, roomId: '' },
      '/roomId must NOT have fewer than 1 characters',
    );
    valid('booking.events.v1', 'held', { ...held, roomId: 'berlin-spree-3.12' });
  });

  it('refuses a status other than the event says', () => {
    invalid(
      'booking.events.v1',
      'held',
      { ...held, status: 'confirmed' },
      '/status must be equal to constant',
    );
    invalid('booking.events.v1', 'confirmed', { ...confirmed, status: 'booked' }, '/status');
    invalid('booking.events.v1', 'rescheduled', { ...rescheduled, status: 'cancelled' }, '/status');
    valid('booking.events.v1', 'rescheduled', { ...rescheduled, status: 'held' });
  });

  it('refuses an end that is not an RFC 3339 date-time in UTC', () => {
    for (const end of ['tomorrow', '2026-03-02', '2026-03-02T10:00:00', '2026-03-02T11:00:00+01:00'])
      invalid('booking.events.v1', 'confirmed', { ...confirmed, end }, '/end must match');
  });

  it('refuses a version below 1 and a negative or fractional streamRevision', () => {
    invalid('booking.events.v1', 'confirmed', { ...confirmed, version: -1 }, '/version must be >= 1');
    invalid('booking.events.v1', 'confirmed', { ...confirmed, version: 0 }, '/version must be >= 1');
    invalid(
      'booking.events.v1',
      'confirmed',
      { ...confirmed, streamRevision: -1 },
      '/streamRevision must be >= 0',
    );
    invalid(
      'booking.events.v1',
      'confirmed',
      { ...confirmed, streamRevision: 1.5 },
      '/streamRevision must be integer',
    );
    valid('booking.events.v1', 'confirmed', { ...confirmed, streamRevision: 0 });
  });

  it('refuses a hold without expiresAt or heldBy', () => {
    const { expiresAt: _, ...withoutExpiry } = held;
    invalid('booking.events.v1', 'held', withoutExpiry, "must have required property 'expiresAt'");
    const { heldBy: __, ...withoutHolder } = held;
    invalid('booking.events.v1', 'held', withoutHolder, "must have required property 'heldBy'");
  });

  it('refuses a cancellation from a status a booking cannot be cancelled in', () => {
    invalid('booking.events.v1', 'cancelled', { ...cancelled, previousStatus: 'expired' }, '/previousStatus');
  });

  it('refuses a reschedule whose previous time is incomplete', () => {
    invalid(
      'booking.events.v1',
      'rescheduled',
      { ...rescheduled, previous: { start: rescheduled.previous.start } },
      "/previous must have required property 'end'",
    );
  });

  it('refuses something that is not an object', () => {
    invalid('booking.events.v1', 'confirmed', null, '/ must be object');
    invalid('booking.events.v1', 'confirmed', JSON.stringify(confirmed), '/ must be object');
  });
});

describe('When a maintenance event breaks the contract', () => {
  it('refuses a block without its list of cancelled bookings, but accepts an empty list', () => {
    const { cancelledBookingIds: _, ...withoutList } = blocked;
    invalid(
      'booking.events.v1',
      'maintenance-blocked',
      withoutList,
      "required property 'cancelledBookingIds'",
    );
    valid('booking.events.v1', 'maintenance-blocked', { ...blocked, cancelledBookingIds: [] });
  });

  it('refuses a lift without liftedBy', () => {
    const { liftedBy: _, ...withoutLifter } = lifted;
    invalid('booking.events.v1', 'maintenance-lifted', withoutLifter, "required property 'liftedBy'");
  });
});

describe('When a room event breaks the contract', () => {
  it('refuses a name that is empty or longer than 200 characters', () => {
    invalid(
      'room.events.v1',
      'registered',
      { ...room, name: '' },
      '/name must NOT have fewer than 1 characters',
    );
    invalid(
      'room.events.v1',
      'updated',
      { ...room, name: 'x'.repeat(201) },
      '/name must NOT have more than 200',
    );
    valid('room.events.v1', 'updated', { ...room, name: 'x'.repeat(200) });
  });

  it('refuses a capacity or seat count below 1 and a version below 1', () => {
    invalid('room.events.v1', 'updated', { ...room, capacity: 0 }, '/capacity must be >= 1');
    invalid('room.events.v1', 'updated', { ...room, seats: 0 }, '/seats must be >= 1');
    invalid('room.events.v1', 'updated', { ...room, version: 0 }, '/version must be >= 1');
  });

  it('spells weekdays as the booking domain does (mon..sun) and refuses other spellings', () => {
    const span = (weekday: string) => ({
      ...room,
      openingHours: [{ weekday, opens: '08:00', closes: '18:00' }],
    });
    valid('room.events.v1', 'policy-changed', span('sun'));
    invalid('room.events.v1', 'policy-changed', span('monday'), '/openingHours/0/weekday');
    invalid('room.events.v1', 'policy-changed', span('Mon'), '/openingHours/0/weekday');
  });

  it('accepts 24:00 as a closing time only, and refuses times that are not HH:MM', () => {
    const span = (opens: string, closes: string) => ({
      ...room,
      openingHours: [{ weekday: 'fri', opens, closes }],
    });
    valid('room.events.v1', 'policy-changed', span('22:00', '24:00'));
    valid('room.events.v1', 'policy-changed', span('22:00', '02:00'));
    invalid('room.events.v1', 'policy-changed', span('24:00', '02:00'), '/openingHours/0/opens');
    invalid('room.events.v1', 'policy-changed', span('8:00', '18:00'), '/openingHours/0/opens');
    invalid('room.events.v1', 'policy-changed', span('08:00', '18:60'), '/openingHours/0/closes');
  });

  it('accepts an empty opening-hours list (open around the clock)', () => {
    valid('room.events.v1', 'registered', { ...room, openingHours: [] });
  });

  it('refuses a closure with a bad date or with only one of from and to', () => {
    const closure = (value: Json) => ({ ...room, closures: [value] });
    invalid(
      'room.events.v1',
      'policy-changed',
      closure({ date: '2026-02-30' }),
      '/closures/0/date must match format',
    );
    invalid(
      'room.events.v1',
      'policy-changed',
      closure({ date: '2026-12-24', from: '13:00' }),
      '/closures/0',
    );
    valid('room.events.v1', 'policy-changed', closure({ date: '2026-12-24', from: '13:00', to: '24:00' }));
  });

  it('refuses policy values outside their ranges, and accepts null for "no limit"', () => {
    const policy = (value: Json) => ({ ...room, policy: { ...room.policy, ...value } });
    invalid(
      'room.events.v1',
      'policy-changed',
      policy({ bufferAfterMinutes: 721 }),
      '/policy/bufferAfterMinutes',
    );
    invalid(
      'room.events.v1',
      'policy-changed',
      policy({ bufferBeforeMinutes: -5 }),
      '/policy/bufferBeforeMinutes',
    );
    invalid('room.events.v1', 'policy-changed', policy({ minNoticeMinutes: -1 }), '/policy/minNoticeMinutes');
    invalid(
      'room.events.v1',
      'policy-changed',
      policy({ maxDurationMinutes: 0 }),
      '/policy/maxDurationMinutes',
    );
    invalid(
      'room.events.v1',
      'policy-changed',
      policy({ bookingWindowDays: 'none' }),
      '/policy/bookingWindowDays',
    );
    const { bookingWindowDays: _, ...withoutWindow } = room.policy;
    invalid('room.events.v1', 'policy-changed', { ...room, policy: withoutWindow }, "'bookingWindowDays'");
    valid('room.events.v1', 'policy-changed', policy({ maxDurationMinutes: null, bookingWindowDays: null }));
    valid('room.events.v1', 'policy-changed', policy({ minDurationMinutes: 0, bufferAfterMinutes: 720 }));
  });

  it('refuses a time zone that is an offset rather than an IANA name', () => {
    invalid('room.events.v1', 'registered', { ...room, timeZone: '+01:00' }, '/timeZone must match pattern');
    valid('room.events.v1', 'registered', { ...room, timeZone: 'America/Argentina/Buenos_Aires' });
  });

  it('says a retired room is retired', () => {
    invalid('room.events.v1', 'retired', { ...room, retired: false }, '/retired must be equal to constant');
  });
});

describe('When a user event breaks the contract', () => {
  it('refuses a userId that is not a uuid and an e-mail that is not one', () => {
    invalid('user.events.v1', 'registered', { ...user, userId: 'ada' }, '/userId must match format "uuid"');
    invalid('user.events.v1', 'updated', { ...user, email: 'ada' }, '/email must match format "email"');
  });

  it('refuses an empty name: only erasure removes it, and erasure has its own event', () => {
    invalid(
      'user.events.v1',
      'updated',
      { ...user, name: '' },
      '/name must NOT have fewer than 1 characters',
    );
  });

  it('spells working hours like opening hours (mon..sun, HH:MM, 24:00 only as an end)', () => {
    const span = (weekday: string, start: string, end: string) => ({
      ...user,
      workingHours: [{ weekday, start, end }],
    });
    valid('user.events.v1', 'updated', span('sun', '22:00', '24:00'));
    valid('user.events.v1', 'updated', span('fri', '22:00', '06:00'));
    invalid('user.events.v1', 'updated', span('monday', '09:00', '17:00'), '/workingHours/0/weekday');
    invalid('user.events.v1', 'updated', span('mon', '24:00', '02:00'), '/workingHours/0/start');
    invalid('user.events.v1', 'updated', span('mon', '9:00', '17:00'), '/workingHours/0/start');
  });

  it('refuses repeated roles, channels or reminder offsets, and offsets beyond a week', () => {
    invalid('user.events.v1', 'roles-changed', { ...user, roles: ['admin', 'admin'] }, '/roles');
    const preferences = (value: Json) => ({ ...user, preferences: { ...user.preferences, ...value } });
    invalid(
      'user.events.v1',
      'preferences-changed',
      preferences({ channels: ['email', 'email'] }),
      '/channels',
    );
    invalid(
      'user.events.v1',
      'preferences-changed',
      preferences({ reminderOffsetsMinutes: [10081] }),
      '/preferences/reminderOffsetsMinutes/0 must be <= 10080',
    );
    invalid(
      'user.events.v1',
      'preferences-changed',
      preferences({ reminderOffsetsMinutes: [-5] }),
      '/preferences/reminderOffsetsMinutes/0 must be >= 0',
    );
  });

  it('says a deactivated user is deactivated', () => {
    invalid('user.events.v1', 'deactivated', user, '/deactivated must be equal to constant');
  });

  it('asks of an erasure only the user id and when: it carries nothing personal', () => {
    valid('user.events.v1', 'erased', { userId: user.userId, occurredAt: user.occurredAt });
    invalid('user.events.v1', 'erased', { occurredAt: user.occurredAt }, "required property 'userId'");
  });
});

describe('When a meeting event breaks the contract', () => {
  it('refuses a meeting id that is not a uuid (meeting ids are chosen or derived by the booking service)', () => {
    invalid(
      'meeting.events.v1',
      'scheduled',
      { ...meetingScheduled, meetingId: 'm-1' },
      '/meetingId must match format "uuid"',
    );
  });

  it('refuses an attendee that is neither a user nor a guest, and an answer the model does not know', () => {
    const attendees = [{ required: true, response: 'accepted' }];
    invalid('meeting.events.v1', 'scheduled', { ...meetingScheduled, attendees }, '/attendees/0');
    invalid(
      'meeting.events.v1',
      'scheduled',
      { ...meetingScheduled, attendees: [{ userId: 'u', required: true, response: 'maybe' }] },
      '/attendees/0/response',
    );
  });

  it('refuses needs-action as an answer: answering means accepting, declining or being tentative', () => {
    invalid(
      'meeting.events.v1',
      'invitation-responded',
      { ...invitationResponded, response: 'needs-action' },
      '/response',
    );
  });

  it('names the scope: an update is of all or of one occurrence (following is a series-split)', () => {
    invalid('meeting.events.v1', 'updated', { ...meetingUpdated, scope: 'following' }, '/scope');
    valid('meeting.events.v1', 'updated', { ...meetingUpdated, scope: 'this' });
  });

  it('reports at least one conflicted occurrence, each with a reason', () => {
    invalid(
      'meeting.events.v1',
      'occurrence-conflicted',
      { ...occurrenceConflicted, occurrences: [] },
      '/occurrences must NOT have fewer than 1 items',
    );
    const { reason: _, ...withoutReason } = occurrenceConflicted.occurrences[0];
    invalid(
      'meeting.events.v1',
      'occurrence-conflicted',
      { ...occurrenceConflicted, occurrences: [withoutReason] },
      "/occurrences/0 must have required property 'reason'",
    );
  });

  it('refuses a time zone that is an offset rather than an IANA name', () => {
    invalid('meeting.events.v1', 'scheduled', { ...meetingScheduled, timeZone: '+01:00' }, '/timeZone');
  });
});

describe('Consumers tolerate additions', () => {
  it.each(examples())('%s/%s accepts unknown top-level properties', (topic, name, _, complete) => {
    valid(topic, name, { ...complete, addedInV1_3: { anything: [1, 2, 3] } });
  });

  it('accepts unknown properties inside nested objects', () => {
    valid('booking.events.v1', 'rescheduled', {
      ...rescheduled,
      previous: { ...rescheduled.previous, tz: 'UTC' },
    });
    valid('room.events.v1', 'updated', { ...room, policy: { ...room.policy, maxAttendees: 3 } });
  });
});

describe.each(['booking', 'meeting', 'room', 'user'] as const)(
  'The AsyncAPI document of %s events',
  (noun) => {
    const topic = topicsOf[noun];
    const path = join(contracts, 'asyncapi', `${topic}.yaml`);
    const doc = readYaml(path) as {
      asyncapi: string;
      channels: Record<string, Json & { address: string; messages: Record<string, { $ref: string }> }>;
      operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
      components: { messages: Record<string, AsyncApiMessage> };
    };
    const [channel] = Object.values(doc.channels);
    const messages = doc.components.messages;

    it('is AsyncAPI 3.0.0 with one channel whose address is a topic of topics.json', () => {
      expect(doc.asyncapi).toBe('3.0.0');
      expect(Object.keys(doc.channels)).toHaveLength(1);
      expect(channel.address).toBe(topic);
      expect(topics.map((t) => t.name)).toContain(channel.address);
    });

    it('agrees with topics.json on partitions and retention', () => {
      const definition = topics.find((t) => t.name === topic)!;
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

    it('states the delivery semantics: at-least-once, deduplicate by ce_id, ordered per key', () => {
      expect(channel['x-delivery']).toEqual({
        guarantee: 'at-least-once',
        deduplicateBy: 'ce_id',
        ordering: `per key (${keyOf[noun]})`,
      });
      expect(doc).toMatchObject({ info: { description: expect.stringContaining('at-least-once') } });
    });

    it('lists exactly the event types of the TypeScript tuple, in the channel, the operation and the components', () => {
      const names = [...eventTypesOf[topic]].sort();
      expect(Object.keys(channel.messages).sort()).toEqual(names);
      expect(Object.keys(messages).sort()).toEqual(names);
      const [operation] = Object.values(doc.operations);
      expect(operation.action).toBe('send');
      expect(operation.messages.map((m) => m.$ref.split('/').pop()).sort()).toEqual(names);
    });

    it('resolves every $ref: local ones to a node of the document, relative ones to an existing file', () => {
      const refs = collectRefs(doc);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        if (ref.startsWith('#/'))
          expect({ ref, found: pointer(doc, ref) !== undefined }).toEqual({ ref, found: true });
        else expect({ ref, exists: existsSync(resolve(dirname(path), ref)) }).toEqual({ ref, exists: true });
      }
    });

    it.each(eventTypesOf[topic] as readonly string[])(
      '%s: CloudEvents headers, the key, and the payload schema by relative $ref',
      (name) => {
        const message = messages[name];
        expect(message.title).toBe(ceType(noun, name as never));
        expect(message.contentType).toBe('application/json');
        expect(message.payload).toEqual({
          schemaFormat: 'application/schema+json;version=2020-12',
          schema: { $ref: `../schemas/${topic}/${name}.schema.json` },
        });
        expect(message.headers.allOf[1].properties.ce_type.const).toBe(ceType(noun, name as never));
        const headers = pointer(doc, message.headers.allOf[0].$ref) as Json & {
          required: string[];
          properties: Json;
        };
        expect(headers.required).toEqual(
          expect.arrayContaining([
            'ce_specversion',
            'ce_id',
            'ce_type',
            'ce_source',
            'ce_time',
            'ce_subject',
          ]),
        );
        expect(headers.required).toContain('content-type');
        expect(Object.keys(headers.properties)).toContain('traceparent');
        expect(headers.properties).toMatchObject({
          ce_specversion: { const: '1.0' },
          ce_source: { const: `/roomledger/${sourceOf[noun]}` },
          'content-type': { const: 'application/json' },
        });
        expect(pointer(doc, message.bindings.$ref)).toMatchObject({ kafka: { key: { type: 'string' } } });
      },
    );

    it.each(eventTypesOf[topic] as readonly string[])(
      '%s: the documented example is valid and its headers match its payload',
      (name) => {
        expect(messages[name].examples?.length).toBeGreaterThan(0);
        for (const { headers, payload } of messages[name].examples ?? []) {
          valid(topic, name as never, payload);
          const subject =
            noun === 'booking'
              ? name.startsWith('maintenance-')
                ? payload.blockId
                : payload.bookingId
              : payload[keyOf[noun]];
          expect(headers).toMatchObject({
            ce_specversion: '1.0',
            ce_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
            ce_type: ceType(noun, name as never),
            ce_source: `/roomledger/${sourceOf[noun]}`,
            ce_time: expect.stringMatching(/Z$/),
            ce_subject: subject,
            'content-type': 'application/json',
          });
        }
      },
    );
  },
);

interface AsyncApiMessage {
  title: string;
  contentType: string;
  payload: unknown;
  headers: { allOf: [{ $ref: string }, { properties: { ce_type: { const: string } } }] };
  bindings: { $ref: string };
  examples?: { headers: Json; payload: Json }[];
}

function collectRefs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(collectRefs);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [value] : collectRefs(value),
  );
}

/** JSON Pointer (`#/a/b`) lookup inside one document. */
function pointer(doc: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], doc);
}

/** The example has exactly the schema's properties, recursively through objects and array items. */
function expectSameProperties(example: unknown, schema: Json, at = '/'): void {
  const properties = schema.properties as Record<string, Json> | undefined;
  if (properties && example && typeof example === 'object' && !Array.isArray(example)) {
    expect({ at, keys: Object.keys(example).sort() }).toEqual({ at, keys: Object.keys(properties).sort() });
    for (const [key, value] of Object.entries(example))
      expectSameProperties(value, properties[key], `${at}${key}/`);
  }
  if (schema.items && Array.isArray(example))
    example.forEach((item) => expectSameProperties(item, schema.items as Json, `${at}[]/`));
}
