import type { RoomScheduleEvent } from '@roomledger/booking-domain';
import type { RecordedEvent } from '@roomledger/event-store';
import { upsertIfNewer, type Projection } from '@roomledger/projections';
import type { PoolClient } from 'pg';

/** The schema of the booking service's read models. */
export const BOOKING_READ_SCHEMA = 'booking_read';

/**
 * `booking_read`: rooms (the replicated policy), bookings by id / room / organizer with a `tstzrange`
 * and a GiST index, maintenance blocks, and every booking's history. Fed by the `roomSchedule`
 * category; every row keeps the checkpoint of the last event applied to it, so replays are harmless.
 */
export const bookingReadProjection: Projection = {
  name: 'booking-read',
  schema: BOOKING_READ_SCHEMA,
  categories: ['roomSchedule'],

  async setup(client: PoolClient): Promise<void> {
    await client.query(`
      create extension if not exists btree_gist with schema public;

      create table if not exists rooms (
        room_id text primary key,
        capacity int not null,
        seats int not null,
        time_zone text not null,
        retired boolean not null,
        policy jsonb not null,
        checkpoint text collate "C" not null,
        updated_at timestamptz not null
      );

      create table if not exists bookings (
        booking_id text primary key,
        room_id text not null,
        organizer_id text not null,
        title text not null default '',
        status text not null check (status in ('held', 'confirmed', 'cancelled', 'expired')),
        start_at timestamptz not null,
        end_at timestamptz not null,
        period tstzrange generated always as (tstzrange(start_at, end_at, '[)')) stored,
        expires_at timestamptz,
        meeting_id text,
        series_id text,
        cancel_reason text,
        version int not null,
        stream_revision bigint not null,
        checkpoint text collate "C" not null,
        updated_at timestamptz not null
      );
      create index if not exists bookings_room_period on bookings using gist (room_id, period);
      create index if not exists bookings_organizer on bookings (organizer_id, start_at, booking_id);
      create index if not exists bookings_live_holds on bookings (expires_at) where status = 'held';

      create table if not exists maintenance_blocks (
        block_id text primary key,
        room_id text not null,
        start_at timestamptz not null,
        end_at timestamptz not null,
        period tstzrange generated always as (tstzrange(start_at, end_at, '[)')) stored,
        status text not null check (status in ('active', 'lifted')),
        reason text,
        cancelled_booking_ids text[] not null default '{}',
        checkpoint text collate "C" not null,
        updated_at timestamptz not null
      );
      create index if not exists maintenance_room_period on maintenance_blocks using gist (room_id, period);

      create table if not exists booking_history (
        booking_id text not null,
        room_id text not null,
        stream_revision bigint not null,
        type text not null,
        occurred_at timestamptz not null,
        actor_id text,
        version int not null,
        start_at timestamptz not null,
        end_at timestamptz not null,
        data jsonb not null,
        primary key (booking_id, room_id, stream_revision)
      );
    `);
  },

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    for (const recorded of events) await applyOne(client, recorded as RecordedEvent<RoomScheduleEvent>);
  },
};

/** The public name of a booking event (also the history's `type`). */
export const HISTORY_TYPES = {
  HoldPlaced: 'held',
  BookingConfirmed: 'confirmed',
  BookingCancelled: 'cancelled',
  HoldExpired: 'expired',
  BookingRescheduled: 'rescheduled',
} as const;

async function applyOne(client: PoolClient, event: RecordedEvent<RoomScheduleEvent>): Promise<void> {
  const common = { checkpoint: event.checkpoint, updated_at: event.data.occurredAt };
  switch (event.type) {
    case 'RoomPolicyApplied': {
      const { policy } = event.data;
      await upsertIfNewer(client, {
        table: 'rooms',
        key: ['room_id'],
        versionColumn: 'checkpoint',
        row: {
          room_id: event.data.roomId,
          capacity: policy.capacity,
          seats: policy.seats,
          time_zone: policy.timeZone,
          retired: policy.retired,
          policy: JSON.stringify(policy),
          ...common,
        },
      });
      return;
    }
    case 'MaintenanceBlockPlaced':
    case 'MaintenanceBlockLifted': {
      const placed = event.type === 'MaintenanceBlockPlaced' ? event.data : undefined;
      await upsertIfNewer(client, {
        table: 'maintenance_blocks',
        key: ['block_id'],
        versionColumn: 'checkpoint',
        row: {
          block_id: event.data.blockId,
          room_id: event.data.roomId,
          start_at: event.data.start,
          end_at: event.data.end,
          status: placed ? 'active' : 'lifted',
          reason: placed?.reason ?? null,
          cancelled_booking_ids: placed?.cancelledBookingIds ?? [],
          ...common,
        },
        update: placed
          ? {}
          : { reason: 'current.reason', cancelled_booking_ids: 'current.cancelled_booking_ids' },
      });
      return;
    }
    case 'SeriesOccurrencesSkipped':
      return;
    default:
      await applyBookingEvent(client, event, common);
  }
}

type BookingEvent = Extract<RoomScheduleEvent, { type: keyof typeof HISTORY_TYPES }>;

async function applyBookingEvent(
  client: PoolClient,
  event: RecordedEvent<BookingEvent>,
  common: { checkpoint: string; updated_at: string },
): Promise<void> {
  const data = event.data;
  const status =
    event.type === 'HoldPlaced'
      ? 'held'
      : event.type === 'BookingConfirmed'
        ? 'confirmed'
        : event.type === 'BookingCancelled'
          ? 'cancelled'
          : event.type === 'HoldExpired'
            ? 'expired'
            : undefined; // rescheduled: keeps its status
  const title = 'title' in data ? data.title : null;
  await upsertIfNewer(client, {
    table: 'bookings',
    key: ['booking_id'],
    versionColumn: 'checkpoint',
    row: {
      booking_id: data.bookingId,
      room_id: data.roomId,
      organizer_id: data.organizerId,
      title: title ?? '',
      status: status ?? 'confirmed',
      start_at: data.start,
      end_at: data.end,
      expires_at: 'expiresAt' in data ? data.expiresAt : null,
      meeting_id: 'meetingId' in data ? (data.meetingId ?? null) : null,
      series_id: 'seriesId' in data ? (data.seriesId ?? null) : null,
      cancel_reason: 'reason' in data ? (data.reason ?? null) : null,
      version: data.version,
      stream_revision: event.revision.toString(),
      ...common,
    },
    update: {
      ...(title === null ? { title: 'current.title' } : {}),
      ...(status === undefined ? { status: 'current.status' } : {}),
      ...(event.type === 'BookingConfirmed' || event.type === 'HoldExpired' || event.type === 'HoldPlaced'
        ? {}
        : { expires_at: 'current.expires_at' }),
      meeting_id: 'coalesce(excluded.meeting_id, current.meeting_id)',
      series_id: 'coalesce(excluded.series_id, current.series_id)',
    },
    // A moved booking keeps its id: once booked in the new room, what the old room writes about it
    // (the saga's cancellation there) no longer describes it.
    onlyIf:
      event.type === 'HoldPlaced' || event.type === 'BookingConfirmed'
        ? undefined
        : 'current.room_id = excluded.room_id',
  });
  const actorId = typeof event.metadata.actorId === 'string' ? event.metadata.actorId : null;
  await client.query(
    `insert into booking_history
       (booking_id, room_id, stream_revision, type, occurred_at, actor_id, version, start_at, end_at, data)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict do nothing`,
    [
      data.bookingId,
      data.roomId,
      event.revision.toString(),
      HISTORY_TYPES[event.type],
      data.occurredAt,
      actorId,
      data.version,
      data.start,
      data.end,
      JSON.stringify(data),
    ],
  );
}
