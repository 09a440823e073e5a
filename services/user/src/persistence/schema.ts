import type { Pool } from 'pg';

/** The user service's tables live in their own schema; nothing else reads or writes them. */
export const SCHEMA = 'user_service';
/** NOTIFY channel: a committed outbox row wakes the relay. */
export const OUTBOX_CHANNEL = 'user_service_outbox';

/**
 * Ordered migrations, each applied once (recorded in `user_service.migrations`); all run in one
 * transaction under an advisory lock, so instances starting together neither race nor half-apply.
 * Never edit a released migration: add the next one.
 */
const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
create table user_service.users (
  id uuid primary key,
  email text not null,
  name text not null,
  time_zone text not null,
  -- Argon2id PHC string; null once erased
  password_hash text,
  roles text[] not null,
  working_hours jsonb not null,
  preferences jsonb not null,
  status text not null check (status in ('active', 'deactivated', 'erased')),
  version integer not null check (version >= 1),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
-- One account per address, whatever its case.
create unique index users_email_key on user_service.users (lower(email));
create index users_active_admins on user_service.users (id) where status = 'active' and 'admin' = any (roles);

-- Only a SHA-256 of each token; presenting a rotated token revokes its whole family (reuse detection).
create table user_service.refresh_tokens (
  token_hash bytea primary key,
  family_id uuid not null,
  user_id uuid not null references user_service.users (id) on delete cascade,
  issued_at timestamptz not null,
  expires_at timestamptz not null,
  rotated_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text
);
create index refresh_tokens_family on user_service.refresh_tokens (family_id);
create index refresh_tokens_user on user_service.refresh_tokens (user_id);

-- Written in the transaction of each change; the relay publishes pending rows in position order.
create table user_service.outbox (
  id uuid primary key,
  position bigint generated always as identity unique,
  user_id uuid not null,
  type text not null,
  payload jsonb not null,
  traceparent text,
  tracestate text,
  created_at timestamptz not null,
  published_at timestamptz
);
create index outbox_pending on user_service.outbox (position) where published_at is null;
create index outbox_user on user_service.outbox (user_id);

create function user_service.notify_outbox() returns trigger language plpgsql as $fn$
begin
  perform pg_notify('${OUTBOX_CHANNEL}', '');
  return null;
end
$fn$;
create trigger outbox_inserted after insert on user_service.outbox
  for each statement execute function user_service.notify_outbox();
`,
  },
];

export async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`roomledger.${SCHEMA}:migrations`]);
    await client.query(`create schema if not exists ${SCHEMA}`);
    await client.query(
      `create table if not exists ${SCHEMA}.migrations (version int primary key, applied_at timestamptz not null default now())`,
    );
    const { rows } = await client.query<{ version: number }>(`select version from ${SCHEMA}.migrations`);
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(`insert into ${SCHEMA}.migrations (version) values ($1)`, [migration.version]);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
