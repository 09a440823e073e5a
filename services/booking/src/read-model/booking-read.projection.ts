import { statusAfter, type RoomScheduleEvent } from '@roomledger/booking-domain';
import type { RecordedEvent } from '@roomledger/event-store';
import { upsertIfNewer, type Projection } from '@roomledger/projections';
import type { PoolClient } from 'pg';
import {
  MEETING_READ_TABLES,
  applyMeetingEvents,
  applySeriesProgress,
  type MeetingReadOptions,
  type SeriesProgress,
} from './meeting-read';

/** The schema of the booking service's read models. */
export const BOOKING_READ_SCHEMA = 'booking_read';

/**
 * `booking_read`: rooms (the replicated policy), bookings by id / room / organizer / series with a
 * `tstzrange` and a GiST index, maintenance blocks, every booking's history, and the meetings with
 * their attendees' calendars (`meeting-read.ts`). Fed by the `roomSchedule` and `meeting` categories;
 * every row keeps the checkpoint (or stream revision) of the last event applied to it, so replays are
 * harmless.
 */
export const bookingReadProjectionWith = (options: MeetingReadOptions): Projection => ({
  name: 'booking-read',
  schema: BOOKING_READ_SCHEMA,
  categories: ['roomSchedule', 'meeting'],

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
      create index if not exists bookings_series on bookings (series_id, start_at) where series_id is not null;

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

      -- A batch's booking events in one round trip, applied in order: each upserts the booking (only if
      -- newer than the row's checkpoint; for anything but a creation, only while the booking still lives
      -- in the event's room: a moved booking keeps its id) and records its history entry.
      create or replace function apply_booking_rows(p_rows jsonb) returns void language plpgsql as $fn$
      declare
        r record;
      begin
        for r in
          select * from jsonb_to_recordset(p_rows) as x(
            booking_id text, room_id text, organizer_id text, title text, status text,
            start_at timestamptz, end_at timestamptz, expires_at timestamptz, meeting_id text, series_id text,
            cancel_reason text, version int, stream_revision bigint, checkpoint text, updated_at timestamptz,
            keep_expires boolean, creates boolean, history_type text, actor_id text, data jsonb)
        loop
          insert into bookings as current (booking_id, room_id, organizer_id, title, status, start_at, end_at,
              expires_at, meeting_id, series_id, cancel_reason, version, stream_revision, checkpoint, updated_at)
            values (r.booking_id, r.room_id, r.organizer_id, coalesce(r.title, ''), coalesce(r.status, 'confirmed'),
              r.start_at, r.end_at, r.expires_at, r.meeting_id, r.series_id, r.cancel_reason, r.version,
              r.stream_revision, r.checkpoint, r.updated_at)
          on conflict (booking_id) do update set
            room_id = excluded.room_id,
            organizer_id = excluded.organizer_id,
            title = coalesce(r.title, current.title),
            status = coalesce(r.status, current.status),
            start_at = excluded.start_at,
            end_at = excluded.end_at,
            expires_at = case when r.keep_expires then current.expires_at else excluded.expires_at end,
            meeting_id = coalesce(excluded.meeting_id, current.meeting_id),
            series_id = coalesce(excluded.series_id, current.series_id),
            cancel_reason = excluded.cancel_reason,
            version = excluded.version,
            stream_revision = excluded.stream_revision,
            checkpoint = excluded.checkpoint,
            updated_at = excluded.updated_at
          where current.checkpoint < excluded.checkpoint and (r.creates or current.room_id = excluded.room_id);

          insert into booking_history
              (booking_id, room_id, stream_revision, type, occurred_at, actor_id, version, start_at, end_at, data)
            values (r.booking_id, r.room_id, r.stream_revision, r.history_type, r.updated_at, r.actor_id,
              r.version, r.start_at, r.end_at, r.data)
          on conflict do nothing;
        end loop;
      end
      $fn$;
    `);
    await client.query(MEETING_READ_TABLES);
  },

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    const bookingRows: BookingRow[] = [];
    const meetingEvents: RecordedEvent[] = [];
    const series: SeriesProgress[] = [];
    for (const recorded of events) {
      if (recorded.streamName.startsWith('meeting-')) {
        meetingEvents.push(recorded);
        continue;
      }
      const event = recorded as RecordedEvent<RoomScheduleEvent>;
      const progress = seriesProgressOf(event);
      if (progress) series.push(progress);
      if (event.type in HISTORY_TYPES) bookingRows.push(bookingRow(event as RecordedEvent<BookingEvent>));
      else await applyOne(client, event);
    }
    if (bookingRows.length > 0) {
      await client.query('select apply_booking_rows($1::jsonb)', [JSON.stringify(bookingRows)]);
    }
    await applySeriesProgress(client, series);
    if (meetingEvents.length > 0) await applyMeetingEvents(client, meetingEvents, options);
  },
});

/** The projection with the service's default calendar horizon (400 days). */
export const bookingReadProjection: Projection = bookingReadProjectionWith({ calendarHorizonDays: 400 });

/** How far a room series has been decided, from a booked occurrence or a report of skipped ones. */
function seriesProgressOf(event: RecordedEvent<RoomScheduleEvent>): SeriesProgress | undefined {
  if (event.type === 'BookingConfirmed' && event.data.seriesId) {
    return {
      series_id: event.data.seriesId,
      room_id: event.data.roomId,
      meeting_id: event.data.meetingId ?? null,
      considered_until: event.data.start,
      checkpoint: event.checkpoint,
    };
  }
  if (event.type === 'SeriesOccurrencesSkipped' && event.data.skipped.length > 0) {
    const latest = event.data.skipped.reduce((a, b) => (Date.parse(a.start) >= Date.parse(b.start) ? a : b));
    return {
      series_id: event.data.seriesId,
      room_id: event.data.roomId,
      meeting_id: event.data.meetingId ?? null,
      considered_until: latest.start,
      checkpoint: event.checkpoint,
    };
  }
  return undefined;
}

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
    default:
      return; // booking events go through apply_booking_rows; SeriesOccurrencesSkipped changes no row
  }
}

type BookingEvent = Extract<RoomScheduleEvent, { type: keyof typeof HISTORY_TYPES }>;

/** One booking event as a row of `apply_booking_rows`: the booking after it, and what to keep. */
interface BookingRow {
  booking_id: string;
  room_id: string;
  organizer_id: string;
  /** null: keep the row's (the event does not carry it). */
  title: string | null;
  /** null: keep the row's (a reschedule does not change it). */
  status: string | null;
  start_at: string;
  end_at: string;
  expires_at: string | null;
  meeting_id: string | null;
  series_id: string | null;
  cancel_reason: string | null;
  version: number;
  stream_revision: string;
  checkpoint: string;
  updated_at: string;
  keep_expires: boolean;
  /** Creates the booking in its room (also in a new room after a move). */
  creates: boolean;
  history_type: string;
  actor_id: string | null;
  data: unknown;
}

function bookingRow(event: RecordedEvent<BookingEvent>): BookingRow {
  const data = event.data;
  const creates = event.type === 'HoldPlaced' || event.type === 'BookingConfirmed';
  return {
    booking_id: data.bookingId,
    room_id: data.roomId,
    organizer_id: data.organizerId,
    title: 'title' in data ? data.title : null,
    status: statusAfter(event.type) ?? null,
    start_at: data.start,
    end_at: data.end,
    expires_at: 'expiresAt' in data ? data.expiresAt : null,
    meeting_id: 'meetingId' in data ? (data.meetingId ?? null) : null,
    series_id: 'seriesId' in data ? (data.seriesId ?? null) : null,
    cancel_reason: 'reason' in data ? (data.reason ?? null) : null,
    version: data.version,
    stream_revision: event.revision.toString(),
    checkpoint: event.checkpoint,
    updated_at: data.occurredAt,
    keep_expires: !(creates || event.type === 'HoldExpired'),
    creates,
    history_type: HISTORY_TYPES[event.type],
    actor_id: typeof event.metadata.actorId === 'string' ? event.metadata.actorId : null,
    data,
  };
}
