import type { Pool, PoolClient } from 'pg';

/**
 * `booking_directory`: what the booking service keeps that is not a projection of its own event
 * store, so it cannot live in `booking_read` (a rebuild of that projection replaces the whole schema,
 * and these rows could not be rebuilt from our events):
 *
 * - `user_profiles`: time zone and working hours (and name, e-mail for calendar feeds) from
 *   `user.events.v1`, through the inbox (the latest `version` wins; `erased` deletes the row);
 * - `room_profiles`: what the room catalogue says about a room beyond its policy (name, building,
 *   floor, amenities, capacity) from `room.events.v1`, written in the same inbox transaction as the
 *   policy replica's decision, for the scheduling assistant's room requirements;
 * - `calendar_feeds`: the secret token of each iCalendar feed (random, rotatable).
 */
export const DIRECTORY_SCHEMA = 'booking_directory';

export async function ensureDirectory(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    // Serialises set-up across instances: concurrent `create ... if not exists` can fail in PostgreSQL.
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`roomledger.${DIRECTORY_SCHEMA}`]);
    await client.query(`
      create schema if not exists ${DIRECTORY_SCHEMA};
      create table if not exists ${DIRECTORY_SCHEMA}.user_profiles (
        user_id text primary key,
        name text not null,
        email text not null,
        time_zone text not null,
        working_hours jsonb not null,
        deactivated boolean not null,
        version int not null,
        updated_at timestamptz not null default now()
      );
      create table if not exists ${DIRECTORY_SCHEMA}.room_profiles (
        room_id text primary key,
        name text not null,
        building text,
        floor text,
        capacity int not null,
        amenities text[] not null,
        retired boolean not null,
        version int not null,
        updated_at timestamptz not null default now()
      );
      create index if not exists room_profiles_amenities on ${DIRECTORY_SCHEMA}.room_profiles using gin (amenities);
      create table if not exists ${DIRECTORY_SCHEMA}.calendar_feeds (
        kind text not null check (kind in ('user', 'room')),
        owner_id text not null,
        token text not null,
        created_at timestamptz not null default now(),
        rotated_at timestamptz,
        primary key (kind, owner_id)
      );
    `);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface UserProfile {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly timeZone: string;
  readonly workingHours: readonly { weekday: string; start: string; end: string }[];
  readonly deactivated: boolean;
}

/** The part of a `room.events.v1` payload the scheduling assistant matches rooms on. */
export interface RoomProfilePayload {
  readonly roomId: string;
  readonly version?: number;
  readonly name?: string;
  readonly building?: string;
  readonly floor?: string;
  readonly capacity?: number;
  readonly amenities?: readonly string[];
  readonly retired?: boolean;
}

/** Keeps the room's latest profile (highest `version`); called inside the inbox transaction. */
export async function upsertRoomProfile(client: PoolClient, room: RoomProfilePayload): Promise<void> {
  await client.query(
    `insert into ${DIRECTORY_SCHEMA}.room_profiles as current
         (room_id, name, building, floor, capacity, amenities, retired, version)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (room_id) do update set
       name = excluded.name, building = excluded.building, floor = excluded.floor,
       capacity = excluded.capacity, amenities = excluded.amenities, retired = excluded.retired,
       version = excluded.version, updated_at = now()
     where current.version <= excluded.version`,
    [
      room.roomId,
      room.name ?? room.roomId,
      room.building ?? null,
      room.floor ?? null,
      Number.isInteger(room.capacity) ? room.capacity : 1,
      [...(room.amenities ?? [])].map((amenity) => amenity.toLowerCase()),
      room.retired === true,
      Number.isInteger(room.version) ? room.version : 0,
    ],
  );
}
