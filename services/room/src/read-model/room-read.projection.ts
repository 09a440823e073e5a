import type { RecordedEvent } from '@roomledger/event-store';
import { upsertIfNewer, type Projection } from '@roomledger/projections';
import type { RoomEvent } from '@roomledger/room-domain';
import type { PoolClient } from 'pg';
import { ROOM_CATEGORY } from '../catalogue/room.handler';

/** The schema of the room catalogue's read model (owned by the projection: a rebuild replaces it). */
export const ROOM_READ_SCHEMA = 'room_read';

/**
 * `room_read.rooms`: one row per room, the whole room after its latest event, for search. Fed by the
 * `room` category; each row keeps its `version` (stream revision + 1; one stream feeds one row), so a
 * replay or a second instance never moves a row backwards. Amenities and accessibility are `text[]`
 * with GIN indexes (`@>` is "all of"); building and floor are indexed lower-cased, as search compares
 * them; buffers are columns, for the free-window query.
 */
export const roomReadProjection: Projection = {
  name: 'room-read',
  schema: ROOM_READ_SCHEMA,
  categories: [ROOM_CATEGORY],

  async setup(client: PoolClient): Promise<void> {
    await client.query(`
      create table if not exists rooms (
        room_id text primary key,
        name text not null,
        building text,
        floor text,
        capacity int not null,
        seats int not null,
        time_zone text not null,
        amenities text[] not null,
        accessibility text[] not null,
        opening_hours jsonb not null,
        closures jsonb not null,
        policy jsonb not null,
        buffer_before_minutes int not null,
        buffer_after_minutes int not null,
        retired boolean not null,
        version int not null,
        updated_at timestamptz not null
      );
      create index if not exists rooms_by_name on rooms (name, room_id);
      create index if not exists rooms_by_capacity on rooms (capacity);
      -- search compares building and floor case-insensitively
      create index if not exists rooms_by_place_ci on rooms (lower(building), lower(floor));
      drop index if exists rooms_by_place;
      create index if not exists rooms_amenities on rooms using gin (amenities);
      create index if not exists rooms_accessibility on rooms using gin (accessibility);
    `);
  },

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    for (const recorded of events) {
      const event = recorded as RecordedEvent<RoomEvent>;
      const { roomId, room, occurredAt } = event.data;
      await upsertIfNewer(client, {
        table: 'rooms',
        key: ['room_id'],
        versionColumn: 'version',
        row: {
          room_id: roomId,
          name: room.name,
          building: room.building ?? null,
          floor: room.floor ?? null,
          capacity: room.capacity,
          seats: room.seats,
          time_zone: room.timeZone,
          amenities: room.amenities,
          accessibility: room.accessibility,
          opening_hours: JSON.stringify(room.openingHours),
          closures: JSON.stringify(room.closures),
          policy: JSON.stringify(room.policy),
          buffer_before_minutes: room.policy.bufferBeforeMinutes,
          buffer_after_minutes: room.policy.bufferAfterMinutes,
          retired: event.type === 'RoomRetired',
          version: Number(event.revision) + 1,
          updated_at: occurredAt,
        },
      });
    }
  },
};
