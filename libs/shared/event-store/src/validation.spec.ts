import { categoryOf } from './event';
import { InvalidEventStoreRequest, UnstorableEventData } from './errors';
import {
  assertCategories,
  assertEventTypes,
  assertReadFrom,
  eventTypeMatches,
  normalizeLimit,
  prepareAppend,
  streamNameMatchesCategories,
} from './validation';

describe('Preparing an append', () => {
  const id = '0b6e3f3c-8a3e-4b8a-9c61-0f8e2c1d5a77';

  it('keeps given ids (lower-cased), draws missing ones, gives every event metadata and its JSON text', () => {
    const [given, drawn] = prepareAppend(
      'meeting-1',
      [
        { eventId: id.toUpperCase(), type: 'Scheduled', data: { a: 1 }, metadata: { correlationId: 'c' } },
        { type: 'Updated', data: {} },
      ],
      'any',
    );
    expect(given).toEqual({
      eventId: id,
      type: 'Scheduled',
      data: { a: 1 },
      metadata: { correlationId: 'c' },
      // The JSON text a store writes, made once by the checks.
      json: { data: '{"a":1}', metadata: '{"correlationId":"c"}' },
    });
    expect(drawn.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(drawn.metadata).toEqual({});
  });

  it.each([
    ['no events', 'meeting-1', []],
    ['an empty stream name', '', [{ type: 'A', data: {} }]],
    ['a system stream', '$all', [{ type: 'A', data: {} }]],
    ['a malformed id', 'meeting-1', [{ eventId: 'x', type: 'A', data: {} }]],
    [
      'an id twice',
      'meeting-1',
      [
        { eventId: id, type: 'A', data: {} },
        { eventId: id, type: 'B', data: {} },
      ],
    ],
    ['an event without type', 'meeting-1', [{ type: '', data: {} }]],
    ['an event without data', 'meeting-1', [{ type: 'A', data: undefined }]],
  ])('refuses %s', (_, stream, events) => {
    expect(() => prepareAppend(stream, events, 'any')).toThrow(InvalidEventStoreRequest);
  });

  describe('a NUL character (U+0000), which PostgreSQL jsonb cannot store', () => {
    const nul = '\u0000';

    it.each([
      ['in a data string', { type: 'A', data: { title: `x${nul}` } }],
      ['deep in data', { type: 'A', data: { rows: [{ cells: [[nul]] }] } }],
      ['in a data key', { type: 'A', data: { nested: { [`k${nul}`]: 1 } } }],
      ['as data itself', { type: 'A', data: nul }],
      ['in metadata', { type: 'A', data: {}, metadata: { tenant: `acme${nul}` } }],
      ['in a metadata key', { type: 'A', data: {}, metadata: { [nul]: 'x' } }],
      ['after a backslash', { type: 'A', data: { title: `\\${nul}` } }],
    ])('is refused %s', (_, event) => {
      expect(() => prepareAppend('meeting-1', [event], 'any')).toThrow(UnstorableEventData);
    });

    it('is a validation failure naming the event and the part, and an invalid request', () => {
      const append = () =>
        prepareAppend(
          'meeting-1',
          [
            { type: 'A', data: {} },
            { type: 'B', data: { a: nul } },
          ],
          'any',
        );
      expect(append).toThrow(InvalidEventStoreRequest);
      expect(append).toThrow(/event 1 of meeting-1: data holds a NUL/);
      expect(append).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    });

    it.each([
      ['text that reads like its escape', 'a\\u0000'],
      ['an escaped backslash before that text', '\\\\u0000'],
      ['other control characters', 'tab\t bell\u0007'],
    ])('is not confused with %s', (_, title) => {
      expect(prepareAppend('meeting-1', [{ type: 'A', data: { title } }], 'any')[0].data).toEqual({ title });
    });
  });

  it('refuses an expected state that is not one', () => {
    expect(() => prepareAppend('meeting-1', [{ type: 'A', data: {} }], -1n)).toThrow(
      InvalidEventStoreRequest,
    );
  });
});

describe('Categories', () => {
  it('are the stream name up to the first dash', () => {
    expect(categoryOf('roomSchedule-42')).toBe('roomSchedule');
    expect(categoryOf('meeting-a-b')).toBe('meeting');
    expect(categoryOf('standalone')).toBe('standalone');
  });

  it('match streams of exactly that category', () => {
    expect(streamNameMatchesCategories('room-1', ['room'])).toBe(true);
    expect(streamNameMatchesCategories('roomSchedule-1', ['room'])).toBe(false);
    expect(streamNameMatchesCategories('room', ['room'])).toBe(true);
    expect(streamNameMatchesCategories('$snapshot-room-1', undefined)).toBe(false);
    expect(streamNameMatchesCategories('anything-1', undefined)).toBe(true);
  });

  it('are named without the dash', () => {
    expect(() => assertCategories(['roomSchedule-'])).toThrow(InvalidEventStoreRequest);
    expect(() => assertCategories([])).toThrow(InvalidEventStoreRequest);
    expect(() => assertCategories(['roomSchedule', 'meeting'])).not.toThrow();
  });
});

describe('Event-type filters', () => {
  it('keep the listed types of a named category and every type of the others', () => {
    const filter = { roomSchedule: ['SeriesOccurrencesSkipped'] };
    expect(eventTypeMatches('roomSchedule-1', 'SeriesOccurrencesSkipped', filter)).toBe(true);
    expect(eventTypeMatches('roomSchedule-1', 'BookedDirectly', filter)).toBe(false);
    expect(eventTypeMatches('meeting-1', 'MeetingScheduled', filter)).toBe(true);
    expect(eventTypeMatches('roomScheduleX-1', 'BookedDirectly', filter)).toBe(true);
    expect(eventTypeMatches('roomSchedule-1', 'BookedDirectly', undefined)).toBe(true);
    expect(eventTypeMatches('toString-1', 'Anything', filter)).toBe(true);
  });

  it('name categories of the read and at least one type each', () => {
    expect(() => assertEventTypes({ roomSchedule: ['A'] }, ['meeting', 'roomSchedule'])).not.toThrow();
    expect(() => assertEventTypes({ roomSchedule: ['A'] }, undefined)).not.toThrow();
    expect(() => assertEventTypes({ room: ['A'] }, ['roomSchedule'])).toThrow(InvalidEventStoreRequest);
    expect(() => assertEventTypes({ roomSchedule: [] }, ['roomSchedule'])).toThrow(InvalidEventStoreRequest);
    expect(() => assertEventTypes({ 'roomSchedule-': ['A'] }, undefined)).toThrow(InvalidEventStoreRequest);
    expect(() => assertEventTypes({}, undefined)).toThrow(InvalidEventStoreRequest);
  });
});

describe('Where a stream read starts', () => {
  it('is a revision, start or end', () => {
    expect(() => assertReadFrom(0n)).not.toThrow();
    expect(() => assertReadFrom('end')).not.toThrow();
    expect(() => assertReadFrom(-1n)).toThrow(InvalidEventStoreRequest);
    expect(() => assertReadFrom(3 as unknown as bigint)).toThrow(InvalidEventStoreRequest);
  });
});

describe('Limits', () => {
  it('are natural numbers, or absent', () => {
    expect(normalizeLimit(undefined)).toBeUndefined();
    expect(normalizeLimit(3)).toBe(3n);
    expect(normalizeLimit(0n)).toBe(0n);
    expect(() => normalizeLimit(-1)).toThrow(InvalidEventStoreRequest);
    expect(() => normalizeLimit(1.5)).toThrow(InvalidEventStoreRequest);
  });
});
