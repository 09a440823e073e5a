import type { DirectoryEntry, Recipient } from '../domain';
import type { PoolClient } from 'pg';
import { SCHEMA } from '../persistence/schema';

/** A connection or a transaction's client: whatever the statements should run on. */
export type Sql = Pick<PoolClient, 'query'>;

/** The directory's columns for one user id, as {@link directoryColumns} selects them. */
export interface DirectoryColumns {
  r_user_id: string | null;
  r_version: number | null;
  r_email: string | null;
  r_name: string | null;
  r_time_zone: string | null;
  r_channels: string[] | null;
  r_deactivated: boolean | null;
  r_erased: boolean;
}

/** Select-list of the directory's view of a user id joined by {@link directoryJoin}. */
export const directoryColumns = `r.user_id as r_user_id, r.version as r_version, r.email as r_email,
  r.name as r_name, r.time_zone as r_time_zone, r.channels as r_channels, r.deactivated as r_deactivated,
  e.user_id is not null as r_erased`;

/** Joins the directory (recipient and tombstone) on the user id in `column`. */
export function directoryJoin(column: string): string {
  return `left join ${SCHEMA}.recipients r on r.user_id = ${column}
          left join ${SCHEMA}.erased_recipients e on e.user_id = ${column}`;
}

/** What the directory knows, from its joined columns: a tombstone wins (the two never coexist anyway). */
export function entryOf(row: DirectoryColumns): DirectoryEntry {
  if (row.r_erased) return 'erased';
  if (row.r_user_id === null) return undefined;
  return {
    userId: row.r_user_id,
    version: row.r_version!,
    email: row.r_email!,
    name: row.r_name!,
    timeZone: row.r_time_zone!,
    channels: row.r_channels!,
    deactivated: row.r_deactivated!,
  };
}

/**
 * Keeps `recipient` unless a newer version is already there or the user was erased (a redelivered or
 * replayed profile event must not bring an erased person's data back). Returns whether it was kept.
 */
export async function saveRecipient(sql: Sql, recipient: Recipient): Promise<boolean> {
  const { rowCount } = await sql.query(
    `insert into ${SCHEMA}.recipients as r
       (user_id, version, email, name, time_zone, channels, deactivated, reminder_offsets)
     select $1, $2, $3, $4, $5, $6, $7, $8
      where not exists (select 1 from ${SCHEMA}.erased_recipients e where e.user_id = $1)
     on conflict (user_id) do update
       set version = excluded.version, email = excluded.email, name = excluded.name,
           time_zone = excluded.time_zone, channels = excluded.channels,
           deactivated = excluded.deactivated, reminder_offsets = excluded.reminder_offsets, updated_at = now()
       where r.version < excluded.version`,
    [
      recipient.userId,
      recipient.version,
      recipient.email,
      recipient.name,
      recipient.timeZone,
      recipient.channels,
      recipient.deactivated,
      recipient.reminderOffsetsMinutes ? [...recipient.reminderOffsetsMinutes] : null,
    ],
  );
  return rowCount === 1;
}

/**
 * Deletes everything personal the service keeps about a user: the directory row (the delivery log
 * holds only the bare user id), and cancels what was still waiting to be sent to them. Returns how
 * many deliveries it cancelled.
 */
export async function eraseRecipient(sql: Sql, userId: string, erasedAt: string): Promise<number> {
  await sql.query(`delete from ${SCHEMA}.recipients where user_id = $1`, [userId]);
  await sql.query(
    `insert into ${SCHEMA}.erased_recipients (user_id, erased_at) values ($1, $2) on conflict do nothing`,
    [userId, erasedAt],
  );
  const { rowCount } = await sql.query(
    `update ${SCHEMA}.deliveries set status = 'cancelled', last_error = 'recipient erased', updated_at = now()
      where recipient_id = $1 and status in ('pending', 'failed')`,
    [userId],
  );
  return rowCount ?? 0;
}

/** What the directory knows of each id (absent from the map: nothing yet), in one round trip. */
export async function lookUpRecipients(
  sql: Sql,
  userIds: readonly string[],
): Promise<Map<string, Exclude<DirectoryEntry, undefined>>> {
  const known = new Map<string, Exclude<DirectoryEntry, undefined>>();
  if (userIds.length === 0) return known;
  const { rows } = await sql.query<DirectoryColumns & { id: string }>(
    `select u.id, ${directoryColumns} from unnest($1::text[]) as u (id) ${directoryJoin('u.id')}`,
    [userIds],
  );
  for (const row of rows) {
    const entry = entryOf(row);
    if (entry) known.set(row.id, entry);
  }
  return known;
}

/** The reminder offsets each of `userIds` chose (absent: none stated, or not known yet). */
export async function reminderOffsetsOf(
  sql: Sql,
  userIds: readonly string[],
): Promise<Map<string, number[]>> {
  const { rows } = await sql.query<{ user_id: string; reminder_offsets: number[] }>(
    `select user_id, reminder_offsets from ${SCHEMA}.recipients
      where user_id = any($1) and reminder_offsets is not null`,
    [[...userIds]],
  );
  return new Map(rows.map((row) => [row.user_id, row.reminder_offsets]));
}
