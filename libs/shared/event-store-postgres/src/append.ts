import {
  EventIdConflict,
  WrongExpectedVersion,
  encodeCheckpoint,
  type AppendResult,
  type EventToAppend,
  type ExpectedState,
} from '@roomledger/event-store';
import type { QueryResultRow } from 'pg';
import { quoteIdent } from './migrations';

/** Anything that runs a query: a pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow>(config: {
    name?: string;
    text: string;
    values?: unknown[];
  }): Promise<{ rows: R[] }>;
}

interface AppendRow {
  status: 'appended' | 'idempotent' | 'wrong_expected_version' | 'event_id_conflict';
  next_revision: string | null;
  last_position: string | null;
  last_transaction: string | null;
  actual_revision: string | null;
}

/**
 * Calls the schema's `append_events` function: one round trip, in the caller's transaction if
 * `queryable` is a client inside one, else in its own. Exported so that code that must append inside
 * its own transaction (and tests that hold one open on purpose) use the very same statement.
 */
export async function appendEvents(
  queryable: Queryable,
  schema: string,
  streamName: string,
  events: readonly EventToAppend[],
  expected: ExpectedState,
): Promise<AppendResult> {
  const kind = typeof expected === 'bigint' ? 'revision' : expected;
  const { rows } = await queryable
    .query<AppendRow>({
      name: `roomledger_event_store_append_${schema}`,
      text: `select * from ${quoteIdent(schema)}.append_events($1, $2, $3, $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[])`,
      values: [
        streamName,
        kind,
        typeof expected === 'bigint' ? expected.toString() : null,
        events.map((event) => event.eventId),
        events.map((event) => event.type),
        events.map((event) => event.json.data),
        events.map((event) => event.json.metadata),
      ],
    })
    .catch((error: unknown) => {
      // The fast path found the expectation met but an id already used elsewhere in the stream.
      if (isUniqueViolation(error, 'events_stream_name_event_id_key')) {
        throw new EventIdConflict(
          streamName,
          events.map((event) => event.eventId),
        );
      }
      throw error;
    });
  return outcome(rows[0], streamName, events, expected);
}

/** One append of a batch: what {@link appendEvents} takes, as a value. */
export interface AppendRequest {
  readonly streamName: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedState;
}

/**
 * Group commit: the schema's `append_batch` decides every request exactly as `append_events` would
 * alone, in one statement and one transaction. Returns each request's result or its typed refusal, in
 * request order. Requests are locked in stream-name order (stable), so concurrent batches cannot
 * deadlock. Rejects as a whole only when the statement itself fails (for example an event id reused
 * under a new revision); callers then retry the requests one by one.
 */
export async function appendBatch(
  queryable: Queryable,
  schema: string,
  requests: readonly AppendRequest[],
): Promise<(AppendResult | Error)[]> {
  const order = requests
    .map((request, index) => ({ request, index }))
    .sort((a, b) =>
      a.request.streamName < b.request.streamName
        ? -1
        : a.request.streamName > b.request.streamName
          ? 1
          : a.index - b.index,
    );
  const sorted = order.map((entry) => entry.request);
  const events = sorted.flatMap((request) => request.events);
  const { rows } = await queryable.query<AppendRow & { ord: number }>({
    name: `roomledger_event_store_append_batch_${schema}`,
    text: `select * from ${quoteIdent(schema)}.append_batch($1, $2, $3, $4::int[], $5::uuid[], $6::text[], $7::jsonb[], $8::jsonb[])`,
    values: [
      sorted.map((request) => request.streamName),
      sorted.map((request) => (typeof request.expected === 'bigint' ? 'revision' : request.expected)),
      sorted.map((request) => (typeof request.expected === 'bigint' ? request.expected.toString() : null)),
      sorted.map((request) => request.events.length),
      events.map((event) => event.eventId),
      events.map((event) => event.type),
      events.map((event) => event.json.data),
      events.map((event) => event.json.metadata),
    ],
  });
  const results: (AppendResult | Error)[] = new Array(requests.length);
  for (const row of rows) {
    const { request, index } = order[row.ord - 1];
    try {
      results[index] = outcome(row, request.streamName, request.events, request.expected);
    } catch (error) {
      results[index] = error as Error;
    }
  }
  return results;
}

function outcome(
  row: AppendRow,
  streamName: string,
  events: readonly EventToAppend[],
  expected: ExpectedState,
): AppendResult {
  switch (row.status) {
    case 'appended':
    case 'idempotent':
      return {
        nextExpectedRevision: BigInt(row.next_revision as string),
        position: BigInt(row.last_position as string),
        checkpoint: encodeCheckpoint({
          major: BigInt(row.last_transaction as string),
          minor: BigInt(row.last_position as string),
        }),
      };
    case 'wrong_expected_version':
      throw new WrongExpectedVersion(
        streamName,
        expected,
        row.actual_revision === null ? 'no_stream' : BigInt(row.actual_revision),
      );
    case 'event_id_conflict':
      throw new EventIdConflict(
        streamName,
        events.map((event) => event.eventId),
      );
  }
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === '23505' &&
    (error as { constraint?: unknown }).constraint === constraint
  );
}
