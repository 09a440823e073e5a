import { dataEnv, env, serviceEnv } from '@roomledger/config';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceEnv({ httpPort: 3102, grpcPort: 50102 }),
  DATABASE_URL: dataEnv.DATABASE_URL(),
  KAFKA_BROKERS: dataEnv.KAFKA_BROKERS(),
  /** Where the room feed is (published by room, consumed by booking) and the booking feed (the reverse). */
  ROOM_EVENTS_TOPIC: dataEnv.topic('room.events.v1'),
  BOOKING_EVENTS_TOPIC: dataEnv.topic('booking.events.v1'),
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
});
export type BookingConfig = z.infer<typeof configSchema>;
