import { ensureInboxTable } from '@roomledger/messaging';
import type { Pool, PoolClient } from 'pg';

/** The notification service's tables live in their own schema; nothing else reads or writes them. */
export const SCHEMA = 'notification';

/**
 * Ordered migrations, each applied once (recorded in `notification.migrations`); all run in one
 * transaction under an advisory lock, so instances starting together neither race nor half-apply.
 * Never edit a released migration: add the next one. (`notification.inbox` belongs to the shared inbox
 * consumer, which creates it; `migrate` makes sure it exists first, since a migration indexes it.)
 */
const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
-- The recipient directory: the latest profile per user from user.events.v1 (personal data: deleted on erased).
create table notification.recipients (
  user_id text primary key,
  version integer not null check (version >= 1),
  email text not null,
  name text not null,
  time_zone text not null,
  channels text[] not null,
  deactivated boolean not null,
  updated_at timestamptz not null default now()
);
-- Users erased: only the bare id, so a late or replayed profile event cannot bring them back.
create table notification.erased_recipients (
  user_id text primary key,
  erased_at timestamptz not null
);

-- The delivery log: one row per (event, recipient, channel), written in the transaction that consumes
-- the event; the channel's dispatcher moves it pending -> sending -> sent | failed (retry) | dead_lettered.
create table notification.deliveries (
  id uuid primary key,
  position bigint generated always as identity unique,
  event_id text not null,
  event_type text not null,
  subject text not null,
  recipient_id text not null,
  channel text not null,
  kind text not null,
  notice jsonb not null,
  status text not null check (status in ('pending', 'sending', 'sent', 'failed', 'dead_lettered', 'cancelled')),
  attempts integer not null default 0,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  next_attempt_at timestamptz not null default now(),
  claimed_at timestamptz,
  sent_at timestamptz,
  message_id text,
  last_error text,
  traceparent text,
  unique (event_id, recipient_id, channel)
);
create index deliveries_due on notification.deliveries (channel, next_attempt_at) where status in ('pending', 'failed');
create index deliveries_sending on notification.deliveries (claimed_at) where status = 'sending';
-- Mails about one booking to one person go out in order: a later one waits while an earlier one is open.
create index deliveries_open_thread on notification.deliveries (channel, recipient_id, subject, position)
  where status in ('pending', 'sending', 'failed');
create index deliveries_recipient on notification.deliveries (recipient_id);

-- notification.events.v1, written in the transaction of the delivery-log change it reports.
create table notification.outbox (
  id uuid primary key,
  position bigint generated always as identity unique,
  notification_id uuid not null,
  type text not null,
  payload jsonb not null,
  traceparent text,
  created_at timestamptz not null default now(),
  published_at timestamptz
);
create index outbox_pending on notification.outbox (position) where published_at is null;
`,
  },
  {
    version: 2,
    sql: `
-- The in-app inbox: one item per (event, person), written in the consuming transaction. A trigger-free
-- pg_notify('notification_inbox', '<recipient>') in the same transaction tells the streams at commit.
create table notification.inbox_items (
  id uuid primary key,
  position bigint generated always as identity unique,
  recipient_id text not null,
  event_id text not null,
  kind text not null,
  subject text not null,
  title text not null,
  body text not null,
  data jsonb not null,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  unique (event_id, recipient_id)
);
create index inbox_items_recipient on notification.inbox_items (recipient_id, position desc);
create index inbox_items_unread on notification.inbox_items (recipient_id, position desc) where read_at is null;

-- Webhook subscriptions: the owner's URL, the event types wanted (empty: all), the signing secret.
create table notification.webhook_subscriptions (
  id uuid primary key,
  owner_id text not null,
  url text not null,
  event_types text[] not null,
  secret text not null,
  status text not null check (status in ('active', 'paused')),
  consecutive_dead integer not null default 0,
  created_at timestamptz not null default now(),
  paused_at timestamptz,
  deleted_at timestamptz
);
create index webhook_subscriptions_owner on notification.webhook_subscriptions (owner_id) where deleted_at is null;
`,
  },
  {
    version: 3,
    sql: `
-- The reminder offsets a user chose (null: the defaults).
alter table notification.recipients add column reminder_offsets integer[];

-- Reminders owed: one row per (booking, recipient, offset) = one BullMQ delayed job (job_id). Written in
-- the consuming transaction; the scheduler mirrors unsynced rows into Redis after the commit.
create table notification.reminders (
  job_id text primary key,
  booking_id text not null,
  recipient_id text not null,
  offset_minutes integer not null,
  fire_at timestamptz not null,
  booking jsonb not null,
  status text not null check (status in ('scheduled', 'cancelled', 'sent')),
  synced boolean not null default false,
  updated_at timestamptz not null default now()
);
create index reminders_unsynced on notification.reminders (updated_at) where not synced;
create index reminders_booking on notification.reminders (booking_id, recipient_id);
`,
  },
  {
    version: 4,
    sql: `
-- The service's copy of each meeting (meeting.events.v1), as of the stream revision applied last: the
-- events of one occurrence or an answer name no attendees, so whom they concern is read here. Guests'
-- addresses are in it (they come with the meeting's events); users only by id. \`planned_until\`: how far
-- ahead the meeting's reminders were planned (a series' later occurrences are planned as it nears).
create table notification.meetings (
  meeting_id text primary key,
  revision integer not null,
  meeting jsonb not null,
  planned_until timestamptz,
  updated_at timestamptz not null default now()
);
create index meetings_to_plan on notification.meetings (planned_until) where planned_until is not null;

-- Reminders are for bookings and meeting occurrences now: the row names its subject (booking or meeting
-- id), the notice kind it raises, and the facts that notice needs.
alter table notification.reminders rename column booking_id to subject;
alter table notification.reminders rename column booking to facts;
alter table notification.reminders add column kind text not null default 'booking-reminder';
alter index notification.reminders_booking rename to reminders_subject;
`,
  },
  {
    version: 5,
    sql: `
-- Secret rotation: the secret replaced last still signs deliveries (beside the new one) until
-- previous_secret_expires_at, so receivers can switch without losing a delivery.
alter table notification.webhook_subscriptions
  add column previous_secret text,
  add column previous_secret_expires_at timestamptz;

-- Retention: what the pruning finds by age. Delivery-log rows in a final state (by when they reached
-- it), read in-app items, and the consumed-message dedupe rows of the shared inbox.
create index deliveries_final on notification.deliveries (updated_at)
  where status in ('sent', 'dead_lettered', 'cancelled');
create index inbox_items_read on notification.inbox_items (created_at) where read_at is not null;
create index inbox_processed on notification.inbox (processed_at);
`,
  },
  {
    version: 6,
    sql: `
-- Retention of reminders, deleted webhook subscriptions and meeting copies. \`over_at\`: when the meeting
-- is over (its last occurrence's end; 'infinity' for a series without an end; for a cancelled one, when
-- the cancellation was applied), written with every copy; null for copies from before this migration
-- until the retention computes it.
alter table notification.meetings add column over_at timestamptz;
create index meetings_over on notification.meetings (over_at);
create index reminders_final on notification.reminders (updated_at) where status in ('sent', 'cancelled');
create index webhook_subscriptions_deleted on notification.webhook_subscriptions (deleted_at)
  where deleted_at is not null;
`,
  },
];

export async function migrate(pool: Pool): Promise<void> {
  await ensureInboxTable(pool, SCHEMA);
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

/** Runs `work` in one transaction on a pooled connection (a failed connection is not returned to the pool). */
export async function inTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release(broken);
  }
}
