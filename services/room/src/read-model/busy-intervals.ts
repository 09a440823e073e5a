import { upsertIfNewer } from '@roomledger/projections';
import type { Pool, PoolClient } from 'pg';

/**
 * Where the room service keeps what it learns from `booking.events.v1`: the busy intervals and the
 * consumer's inbox. A schema of its own, beside `room_read` (whose projection owns and may rebuild
 * its schema from the room streams alone; these rows come from Kafka and could not be rebuilt that way).
 */
export const ROOM_BUSY_SCHEMA = 'room_busy';

/**
 * `room_busy.intervals`: one row per booking per room and per maintenance block, with its status.
 * Rows are never deleted: a cancelled, expired or lifted entry stays as a tombstone with its version,
 * so a redelivered older event cannot bring it back. `stream_revision` is the version: every event of
 * one room comes from that room's schedule stream, in order, on one Kafka partition. The key includes
 * the room because a booking that moves keeps its id: its row in the old room is cancelled by the old
 * room's stream, its row in the new room booked by the new room's, each versioned by its own stream.
 *
 * The free-window search asks, for each candidate room, for the rows overlapping a window: `end_at`
 * after its start and `start_at` before its end. A btree on `(room_id, end_at)` finds them by the room
 * and the first bound, so rows that ended before the window (a room's whole past) are never read, and
 * carries the rest of what the search filters on, for index-only scans. It replaced a GiST on
 * `(room_id, period)` (btree_gist), whose probes cost about five times as much per room (see
 * `scripts/bench/README.md`, room search).
 */
export async function ensureBusyIntervals(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`roomledger.${ROOM_BUSY_SCHEMA}`]);
    await client.query(`create schema if not exists ${ROOM_BUSY_SCHEMA}`);
    await client.query(`
      create table if not exists ${ROOM_BUSY_SCHEMA}.intervals (
        room_id text not null,
        kind text not null check (kind in ('booking', 'maintenance')),
        entry_id text not null,
        status text not null check (status in ('held', 'confirmed', 'cancelled', 'expired', 'active', 'lifted')),
        start_at timestamptz not null,
        end_at timestamptz not null,
        period tstzrange generated always as (tstzrange(start_at, end_at, '[)')) stored,
        expires_at timestamptz,
        stream_revision bigint not null,
        updated_at timestamptz not null,
        primary key (room_id, kind, entry_id)
      );
      create index if not exists intervals_room_end on ${ROOM_BUSY_SCHEMA}.intervals
        (room_id, end_at) include (start_at, kind, status, expires_at);
      drop index if exists ${ROOM_BUSY_SCHEMA}.intervals_room_period;
    `);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A `booking.events.v1` message as the busy intervals need it. */
export interface BookingFeedEvent {
  /** The public name: `held`, `confirmed`, ..., `maintenance-lifted`. */
  readonly name: string;
  readonly data: Record<string, unknown>;
  /** When the message was consumed. */
  readonly receivedAt: Date;
}

const APPLIED = new Set([
  'held',
  'confirmed',
  'cancelled',
  'expired',
  'rescheduled',
  'maintenance-blocked',
  'maintenance-lifted',
]);

const BOOKING_STATUS: Record<string, string | undefined> = {
  held: 'held',
  confirmed: 'confirmed',
  cancelled: 'cancelled',
  expired: 'expired',
};

/**
 * Applies one booking event to the busy intervals, through the inbox's transaction. Held and confirmed
 * add or update the booking's row (held with its `expiresAt`: a hold stops counting at that instant
 * even before `expired` arrives); rescheduled moves it (keeping its status); cancelled and expired mark
 * it so; maintenance-blocked/lifted likewise by block id. Event types it does not know are ignored
 * (the contract may add some within v1). Returns whether a row changed.
 */
export async function applyBookingEvent(client: PoolClient, event: BookingFeedEvent): Promise<boolean> {
  if (!APPLIED.has(event.name)) return false;
  const data = event.data;
  const roomId = text(data, 'roomId');
  const streamRevision = data.streamRevision;
  if (typeof streamRevision !== 'number' || !Number.isInteger(streamRevision) || streamRevision < 0) {
    throw new Error(`${event.name}: streamRevision must be a natural number`);
  }
  const interval = { start_at: instant(data, 'start'), end_at: instant(data, 'end') };
  const common = {
    room_id: roomId,
    stream_revision: streamRevision,
    updated_at: event.receivedAt.toISOString(),
  };
  switch (event.name) {
    case 'held':
    case 'confirmed':
    case 'cancelled':
    case 'expired':
    case 'rescheduled': {
      const status = event.name === 'rescheduled' ? String(data.status) : BOOKING_STATUS[event.name];
      if (status !== 'held' && status !== 'confirmed' && status !== 'cancelled' && status !== 'expired') {
        throw new Error(`${event.name}: unexpected status ${String(data.status)}`);
      }
      const expiresAt = typeof data.expiresAt === 'string' ? instant(data, 'expiresAt') : null;
      return upsertIfNewer(client, {
        table: `${ROOM_BUSY_SCHEMA}.intervals`,
        key: ['room_id', 'kind', 'entry_id'],
        versionColumn: 'stream_revision',
        row: {
          ...common,
          kind: 'booking',
          entry_id: text(data, 'bookingId'),
          status,
          ...interval,
          expires_at: expiresAt,
        },
        // A reschedule does not repeat the hold's expiry.
        update: { expires_at: 'coalesce(excluded.expires_at, current.expires_at)' },
      });
    }
    case 'maintenance-blocked':
    case 'maintenance-lifted':
      return upsertIfNewer(client, {
        table: `${ROOM_BUSY_SCHEMA}.intervals`,
        key: ['room_id', 'kind', 'entry_id'],
        versionColumn: 'stream_revision',
        row: {
          ...common,
          kind: 'maintenance',
          entry_id: text(data, 'blockId'),
          status: event.name === 'maintenance-blocked' ? 'active' : 'lifted',
          ...interval,
          expires_at: null,
        },
      });
    default:
      return false;
  }
}

function text(data: Record<string, unknown>, field: string): string {
  const value = data[field];
  if (typeof value !== 'string' || value === '') throw new Error(`${field} must be a non-empty string`);
  return value;
}

function instant(data: Record<string, unknown>, field: string): string {
  const value = text(data, field);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new Error(`${field} must be an RFC 3339 date-time`);
  }
  return value;
}
