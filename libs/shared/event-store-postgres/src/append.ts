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
        events.map((event) => JSON.stringify(event.data)),
        events.map((event) => JSON.stringify(event.metadata)),
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
  const row = rows[0];
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
