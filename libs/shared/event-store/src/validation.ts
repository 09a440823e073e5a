import { randomUUID } from 'node:crypto';
import { categoryOf, type EventLike, type EventMetadata, type NewEvent } from './event';
import { InvalidEventStoreRequest, UnstorableEventData } from './errors';
import { isUuid } from './event-id';
import type { EventTypeFilter } from './event-store';
import { isExpectedState, type ExpectedState } from './expected-state';

/** An event ready to be written: id settled, metadata an object. */
export interface EventToAppend {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  /** `data` and `metadata` as JSON text, made once by the checks: what a store writes. */
  readonly json: { readonly data: string | undefined; readonly metadata: string };
}

/** Checks an append request the same way for every adapter, and settles ids and metadata. */
export function prepareAppend(
  streamName: string,
  events: readonly NewEvent<EventLike>[],
  expected: ExpectedState,
): EventToAppend[] {
  assertStreamName(streamName);
  if (!isExpectedState(expected)) {
    throw new InvalidEventStoreRequest(`not an expected state: ${String(expected)}`);
  }
  if (events.length === 0) {
    throw new InvalidEventStoreRequest(`an append to ${streamName} needs at least one event`);
  }
  const ids = new Set<string>();
  return events.map((event, index) => {
    const eventId = (event.eventId ?? randomUUID()).toLowerCase();
    if (!isUuid(eventId))
      throw new InvalidEventStoreRequest(`event ${index} of ${streamName}: id is not a UUID`);
    if (ids.has(eventId))
      throw new InvalidEventStoreRequest(`event ${index} of ${streamName}: id repeated in the append`);
    ids.add(eventId);
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new InvalidEventStoreRequest(`event ${index} of ${streamName}: type is missing`);
    }
    if (event.data === undefined)
      throw new InvalidEventStoreRequest(`event ${index} of ${streamName}: data is missing`);
    const metadata = event.metadata ?? {};
    const json = {
      data: storableJson(event.data, `event ${index} of ${streamName}: data`),
      metadata: storableJson(metadata, `event ${index} of ${streamName}: metadata`) as string,
    };
    return { eventId, type: event.type, data: event.data, metadata, json };
  });
}

/**
 * A value's JSON form (what the stores write), refused when it has a NUL in any string or object key,
 * at any depth. `JSON.stringify` writes U+0000 as `\u0000` and a backslash as `\\`, so a NUL is a
 * `\u0000` after an even run of backslashes; text that merely reads `\u0000` is not one.
 */
function storableJson(value: unknown, what: string): string | undefined {
  const json = JSON.stringify(value);
  if (json !== undefined && json.includes('\\u0000') && ESCAPED_NUL.test(json)) {
    throw new UnstorableEventData(`${what} holds a NUL character (U+0000), which cannot be stored`);
  }
  return json;
}

const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/;

export function assertStreamName(streamName: string): void {
  if (typeof streamName !== 'string' || streamName.length === 0 || streamName.startsWith('$')) {
    throw new InvalidEventStoreRequest(`not a stream name: ${JSON.stringify(streamName)}`);
  }
}

/** Category names as subscriptions take them: `roomSchedule`, never `roomSchedule-` or `$ce-...`. */
export function assertCategories(categories: readonly string[] | undefined): void {
  if (categories === undefined) return;
  if (categories.length === 0)
    throw new InvalidEventStoreRequest('an empty category filter matches nothing; omit it');
  for (const category of categories) {
    if (category.length === 0 || category.includes('-') || category.startsWith('$')) {
      throw new InvalidEventStoreRequest(
        `not a category name (the stream name up to the first '-'): ${category}`,
      );
    }
  }
}

/** An event-type filter names categories of the read (all of them when it names none) and at least one type each. */
export function assertEventTypes(
  eventTypes: EventTypeFilter | undefined,
  categories: readonly string[] | undefined,
): void {
  if (eventTypes === undefined) return;
  const filtered = Object.keys(eventTypes);
  if (filtered.length === 0)
    throw new InvalidEventStoreRequest('an empty event-type filter filters nothing; omit it');
  assertCategories(filtered);
  for (const category of filtered) {
    if (categories !== undefined && !categories.includes(category)) {
      throw new InvalidEventStoreRequest(`event types filtered for ${category}, which is not read`);
    }
    const types = eventTypes[category];
    if (
      !Array.isArray(types) ||
      types.length === 0 ||
      types.some((type) => typeof type !== 'string' || type === '')
    ) {
      throw new InvalidEventStoreRequest(
        `the event types kept of ${category} must be a non-empty list of names`,
      );
    }
  }
}

/** Whether an event of this stream and type passes the filter (categories without a list keep every type). */
export function eventTypeMatches(
  streamName: string,
  type: string,
  eventTypes: EventTypeFilter | undefined,
): boolean {
  if (eventTypes === undefined) return true;
  const category = categoryOf(streamName);
  return !Object.hasOwn(eventTypes, category) || eventTypes[category].includes(type);
}

export function assertBatchSize(batchSize: number): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new InvalidEventStoreRequest(`batch size must be a positive integer: ${batchSize}`);
  }
}

/** A stream read starts at a revision (>= 0), or at `'start'` / `'end'`. */
export function assertReadFrom(from: bigint | 'start' | 'end' | undefined): void {
  if (from === undefined || from === 'start' || from === 'end') return;
  if (typeof from !== 'bigint' || from < 0n) {
    throw new InvalidEventStoreRequest(
      `a stream read starts at a revision, 'start' or 'end': ${String(from)}`,
    );
  }
}

/** A limit as a non-negative bigint, or undefined for "no limit". */
export function normalizeLimit(limit: number | bigint | undefined): bigint | undefined {
  if (limit === undefined) return undefined;
  const value = typeof limit === 'bigint' ? limit : Number.isSafeInteger(limit) ? BigInt(limit) : -1n;
  if (value < 0n) throw new InvalidEventStoreRequest(`limit must be a natural number: ${limit}`);
  return value;
}

/** Matches the stream-name filter both adapters apply for a category subscription. */
export function streamNameMatchesCategories(
  streamName: string,
  categories: readonly string[] | undefined,
): boolean {
  if (streamName.startsWith('$')) return false;
  if (categories === undefined) return true;
  const dash = streamName.indexOf('-');
  return categories.includes(dash === -1 ? streamName : streamName.slice(0, dash));
}
