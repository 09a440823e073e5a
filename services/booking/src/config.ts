import { dataEnv, env, serviceEnv } from '@roomledger/config';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceEnv({ httpPort: 3102, grpcPort: 50102 }),
  DATABASE_URL: dataEnv.DATABASE_URL(),
  KAFKA_BROKERS: dataEnv.KAFKA_BROKERS(),
  /** Where the room feed is (published by room, consumed by booking) and the booking feed (the reverse). */
  ROOM_EVENTS_TOPIC: dataEnv.topic('room.events.v1'),
  BOOKING_EVENTS_TOPIC: dataEnv.topic('booking.events.v1'),
  /** The meeting feed this service publishes, and the user feed it reads (time zones, working hours). */
  MEETING_EVENTS_TOPIC: dataEnv.topic('meeting.events.v1'),
  USER_EVENTS_TOPIC: dataEnv.topic('user.events.v1'),
  /** Schema of the PostgreSQL event store (room schedules). */
  EVENT_STORE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
    .default('event_store'),
  EVENT_STORE_POOL_SIZE: env.positiveInt(10),
  /**
   * Set: the schedule streams live in EventStoreDB (docker-compose) instead of the PostgreSQL store;
   * read models, checkpoints and the inbox stay in PostgreSQL.
   */
  EVENTSTORE_CONNECTION_STRING: z
    .string()
    .regex(/^esdb(\+discover)?:\/\//, 'an esdb:// connection string')
    .optional(),
  /**
   * The projection and the relay, once caught up, read new events at most this often: larger batches
   * (fewer round trips) under load, for at most this much more read-model and feed latency.
   */
  LIVE_READ_INTERVAL_MS: z.coerce.number().int().min(0).max(1_000).default(25),
  /** How often the background expirer looks for holds whose time is up. */
  HOLD_EXPIRY_INTERVAL_MS: env.positiveInt(1_000),
  /** The consumer group of the room policy replica (one per deployment, shared by its instances). */
  ROOM_EVENTS_GROUP_ID: z.string().min(1).default('booking.room-policy'),
  /** The consumer group of the user profile replica (one per deployment, shared by its instances). */
  USER_EVENTS_GROUP_ID: z.string().min(1).default('booking.user-profiles'),
  /** How far ahead attendees' calendars are expanded into the read model (days); beyond it, queries expand. */
  CALENDAR_HORIZON_DAYS: z.coerce.number().int().min(30).max(3_650).default(400),
  /** How often the series job books occurrences the rooms' booking windows have reached. */
  SERIES_BOOKING_INTERVAL_MS: env.positiveInt(3_600_000),
});
export type BookingConfig = z.infer<typeof configSchema>;
