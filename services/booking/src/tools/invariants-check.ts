import {
  checkScheduleInvariants,
  type RoomScheduleEvent,
  type ScheduleViolation,
} from '@roomledger/booking-domain';
import { PostgresEventStore } from '@roomledger/event-store-postgres';
import { Client } from 'pg';

/**
 * The invariant check over a whole store: every `roomSchedule-*` stream, one room at a time (only
 * one room's history is in memory at once), replayed by `checkScheduleInvariants`, the domain's
 * independent model. `npm run check:invariants` is its command line.
 */

export interface InvariantsCheckOptions {
  readonly connectionString: string;
  /** The event store's schema (default `event_store`). */
  readonly schema?: string;
  /** Told about each violation as soon as its room has been checked. */
  readonly onViolation?: (violation: StoredScheduleViolation) => void;
}

export interface StoredScheduleViolation extends ScheduleViolation {
  /** `eventIndex` is the offending event's revision in this stream. */
  readonly streamName: string;
}

export interface InvariantsReport {
  readonly rooms: number;
  readonly events: number;
  readonly violations: readonly StoredScheduleViolation[];
}

/** The schema holds no event store: a typo must not read as a clean store. */
export class EventStoreNotFound extends Error {
  constructor(readonly schema: string) {
    super(`no event store in schema ${JSON.stringify(schema)}`);
    this.name = 'EventStoreNotFound';
  }
}

const STREAM_NAMES_PAGE = 1_000;

export async function checkInvariants(options: InvariantsCheckOptions): Promise<InvariantsReport> {
  const schema = options.schema ?? 'event_store';
  // Opening the store applies its migrations, which would create a missing schema: look first.
  await requireEventStore(options.connectionString, schema);
  const store = await PostgresEventStore.create({
    connectionString: options.connectionString,
    schema,
    poolSize: 2,
    notifyCoalesceMs: -1,
    applicationName: 'roomledger-check-invariants',
  });
  let rooms = 0;
  let events = 0;
  const violations: StoredScheduleViolation[] = [];
  try {
    for await (const streamName of roomScheduleStreams(store)) {
      const history: RoomScheduleEvent[] = [];
      for await (const event of store.readStream<RoomScheduleEvent>(streamName)) history.push(event);
      rooms += 1;
      events += history.length;
      for (const violation of checkScheduleInvariants(history)) {
        const stored = { streamName, ...violation };
        violations.push(stored);
        options.onViolation?.(stored);
      }
    }
  } finally {
    await store.close();
  }
  return { rooms, events, violations };
}

async function requireEventStore(connectionString: string, schema: string): Promise<void> {
  const client = new Client({ connectionString, application_name: 'roomledger-check-invariants' });
  await client.connect();
  try {
    const { rows } = await client.query<{ present: boolean }>(
      `select to_regclass(format('%I.streams', $1::text)) is not null as present`,
      [schema],
    );
    if (!rows[0]?.present) throw new EventStoreNotFound(schema);
  } finally {
    await client.end();
  }
}

/** Stream names a page at a time, in name order; the store's port has no listing of its own. */
async function* roomScheduleStreams(store: PostgresEventStore): AsyncGenerator<string> {
  let after = '';
  for (;;) {
    const { rows } = await store.pool.query<{ stream_name: string }>(
      `select stream_name from "${store.schema}".streams
        where stream_name like 'roomSchedule-%' and stream_name > $1
        order by stream_name limit ${STREAM_NAMES_PAGE}`,
      [after],
    );
    for (const row of rows) yield row.stream_name;
    if (rows.length < STREAM_NAMES_PAGE) return;
    after = rows[rows.length - 1].stream_name;
  }
}
