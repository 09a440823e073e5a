import { dataEnv, env, serviceEnv } from '@roomledger/config';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceEnv({ httpPort: 3101, grpcPort: 50101 }),
  DATABASE_URL: dataEnv.DATABASE_URL(),
  KAFKA_BROKERS: dataEnv.KAFKA_BROKERS(),
  /** Where the room feed is (published by room, consumed by booking) and the booking feed (the reverse). */
  ROOM_EVENTS_TOPIC: dataEnv.topic('room.events.v1'),
  BOOKING_EVENTS_TOPIC: dataEnv.topic('booking.events.v1'),
  /** Schema of the PostgreSQL event store (room streams); the booking service's store is the same one by default. */
  EVENT_STORE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
    .default('event_store'),
  EVENT_STORE_POOL_SIZE: env.positiveInt(5),
  /**
   * Set: the room streams live in EventStoreDB (docker-compose) instead of the PostgreSQL store; the
   * read models, checkpoints and the inbox stay in PostgreSQL.
   */
  EVENTSTORE_CONNECTION_STRING: z
    .string()
    .regex(/^esdb(\+discover)?:\/\//, 'an esdb:// connection string')
    .optional(),
  /** The consumer group of the busy intervals fed by `booking.events.v1` (one per deployment, shared by its instances). */
  BOOKING_EVENTS_GROUP_ID: z.string().min(1).default('room.busy-intervals'),
});
export type RoomConfig = z.infer<typeof configSchema>;
