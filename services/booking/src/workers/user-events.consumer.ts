import { isTimeZone } from '@roomledger/booking-domain';
import { runInboxConsumer, type EventEnvelope, type InboxConsumer } from '@roomledger/messaging';
import type { Kafka } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { DIRECTORY_SCHEMA } from '../directory/directory';

/** The part of a `user.events.v1` payload the booking service keeps (see the contracts' schemas). */
interface UserEventPayload {
  readonly userId: string;
  readonly version?: number;
  readonly name?: string;
  readonly email?: string;
  readonly timeZone?: string;
  readonly workingHours?: readonly { weekday: string; start: string; end: string }[];
  readonly deactivated?: boolean;
}

/**
 * Applies one user event to `booking_directory.user_profiles`: every event but `erased` carries the
 * whole profile, and the highest `version` wins (events of one user arrive in order, but a replay or
 * a second delivery must not roll a profile back). `erased` deletes the row: the person's name and
 * e-mail leave this service; their meetings keep only the user id.
 */
export async function applyUserEvent(client: PoolClient, type: string, payload: unknown): Promise<void> {
  const user = payload as UserEventPayload;
  if (typeof user?.userId !== 'string' || user.userId === '')
    throw new Error('a user event must name its user');
  if (type.endsWith('.erased.v1')) {
    await client.query(`delete from ${DIRECTORY_SCHEMA}.user_profiles where user_id = $1`, [user.userId]);
    return;
  }
  const timeZone = isTimeZone(user.timeZone) ? user.timeZone : 'UTC';
  await client.query(
    `insert into ${DIRECTORY_SCHEMA}.user_profiles as current
         (user_id, name, email, time_zone, working_hours, deactivated, version)
       values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (user_id) do update set
       name = excluded.name, email = excluded.email, time_zone = excluded.time_zone,
       working_hours = excluded.working_hours, deactivated = excluded.deactivated,
       version = excluded.version, updated_at = now()
     where current.version <= excluded.version`,
    [
      user.userId,
      user.name ?? '',
      (user.email ?? '').toLowerCase(),
      timeZone,
      JSON.stringify(Array.isArray(user.workingHours) ? user.workingHours : []),
      user.deactivated === true,
      Number.isInteger(user.version) ? user.version : 0,
    ],
  );
}

/**
 * The user profile replica: `user.events.v1` → `booking_directory.user_profiles` (time zones and
 * working hours for the scheduling assistant and free/busy, names and e-mails for calendar feeds),
 * deduplicated by event id in the same transaction (the inbox), retried 5 times, then
 * `user.events.v1.dlq`. Its own consumer group (`USER_EVENTS_GROUP_ID`), shared by the instances.
 */
export function runUserEventsConsumer(options: {
  kafka: Kafka;
  pool: Pool;
  logger: Logger;
  groupId: string;
  topic: string;
}): Promise<InboxConsumer> {
  return runInboxConsumer({
    kafka: options.kafka,
    pool: options.pool,
    groupId: options.groupId,
    topics: [options.topic],
    schema: 'booking_inbox',
    logger: options.logger,
    maxAttempts: 5,
    handler: (client, _message, envelope: EventEnvelope) =>
      applyUserEvent(client, envelope.type, envelope.data),
  });
}
