import { randomUUID } from 'node:crypto';
import type { Sql } from '../directory/recipient-directory';
import { SCHEMA } from '../persistence/schema';
import { newWebhookSecret } from './signature';

export const WEBHOOK = 'webhook';

export interface WebhookSubscription {
  readonly id: string;
  readonly ownerId: string;
  readonly url: string;
  /** CloudEvents types wanted (`roomledger.booking.confirmed.v1`, ...); empty: every type. */
  readonly eventTypes: readonly string[];
  readonly status: 'active' | 'paused';
  readonly consecutiveDead: number;
  readonly createdAt: string;
  readonly pausedAt?: string;
}

interface Row {
  id: string;
  owner_id: string;
  url: string;
  event_types: string[];
  status: 'active' | 'paused';
  consecutive_dead: number;
  created_at: Date;
  paused_at: Date | null;
}

const COLUMNS = 'id, owner_id, url, event_types, status, consecutive_dead, created_at, paused_at';

function subscriptionOf(row: Row): WebhookSubscription {
  return {
    id: row.id,
    ownerId: row.owner_id,
    url: row.url,
    eventTypes: row.event_types,
    status: row.status,
    consecutiveDead: row.consecutive_dead,
    createdAt: row.created_at.toISOString(),
    ...(row.paused_at ? { pausedAt: row.paused_at.toISOString() } : {}),
  };
}

/** A new active subscription with a fresh secret; the secret is returned here and never again. */
export async function createSubscription(
  sql: Sql,
  ownerId: string,
  url: string,
  eventTypes: readonly string[],
): Promise<{ subscription: WebhookSubscription; secret: string }> {
  const secret = newWebhookSecret();
  const { rows } = await sql.query<Row>(
    `insert into ${SCHEMA}.webhook_subscriptions (id, owner_id, url, event_types, secret, status)
     values ($1, $2, $3, $4, $5, 'active') returning ${COLUMNS}`,
    [randomUUID(), ownerId, url, [...new Set(eventTypes)], secret],
  );
  return { subscription: subscriptionOf(rows[0]!), secret };
}

/**
 * Replaces the owner's subscription's secret with a fresh one, returned here and never again. The
 * secret it replaces keeps signing deliveries beside the new one for `graceSeconds` (a rotation within
 * an earlier one's grace period ends that one: only the two latest secrets ever sign). Undefined if the
 * owner has no such subscription.
 */
export async function rotateSecret(
  sql: Sql,
  ownerId: string,
  id: string,
  graceSeconds: number,
): Promise<
  { subscription: WebhookSubscription; secret: string; previousSecretExpiresAt: string } | undefined
> {
  if (!isUuid(id)) return undefined;
  const secret = newWebhookSecret();
  // In an UPDATE, `secret` on the right-hand side is the row's value before it.
  const { rows } = await sql.query<Row & { previous_secret_expires_at: Date }>(
    `update ${SCHEMA}.webhook_subscriptions
        set previous_secret = secret, secret = $3,
            previous_secret_expires_at = now() + make_interval(secs => $4)
      where id = $1 and owner_id = $2 and deleted_at is null
      returning ${COLUMNS}, previous_secret_expires_at`,
    [id, ownerId, secret, graceSeconds],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    subscription: subscriptionOf(row),
    secret,
    previousSecretExpiresAt: row.previous_secret_expires_at.toISOString(),
  };
}

export async function listSubscriptions(sql: Sql, ownerId: string): Promise<WebhookSubscription[]> {
  const { rows } = await sql.query<Row>(
    `select ${COLUMNS} from ${SCHEMA}.webhook_subscriptions
      where owner_id = $1 and deleted_at is null order by created_at, id`,
    [ownerId],
  );
  return rows.map(subscriptionOf);
}

export async function findSubscription(
  sql: Sql,
  ownerId: string,
  id: string,
): Promise<WebhookSubscription | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await sql.query<Row>(
    `select ${COLUMNS} from ${SCHEMA}.webhook_subscriptions
      where id = $1 and owner_id = $2 and deleted_at is null`,
    [id, ownerId],
  );
  return rows[0] ? subscriptionOf(rows[0]) : undefined;
}

/** Deletes the subscription and cancels what it still owed. False if the owner has no such subscription. */
export async function deleteSubscription(sql: Sql, ownerId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { rowCount } = await sql.query(
    `update ${SCHEMA}.webhook_subscriptions set deleted_at = now()
      where id = $1 and owner_id = $2 and deleted_at is null`,
    [id, ownerId],
  );
  if (rowCount !== 1) return false;
  await sql.query(
    `update ${SCHEMA}.deliveries set status = 'cancelled', last_error = 'subscription deleted', updated_at = now()
      where channel = '${WEBHOOK}' and recipient_id = $1 and status in ('pending', 'failed')`,
    [id],
  );
  return true;
}

/**
 * Sends again every delivery of the subscription at or after `fromPosition` (the `Roomledger-Position`
 * of a delivery; 0: all), whatever became of it, and resumes the subscription if it was paused. The
 * same event keeps its `Roomledger-Event-Id`, so receivers deduplicate. Returns how many were queued.
 */
export async function redeliver(sql: Sql, subscriptionId: string, fromPosition: string): Promise<number> {
  await sql.query(
    `update ${SCHEMA}.webhook_subscriptions set status = 'active', consecutive_dead = 0, paused_at = null
      where id = $1`,
    [subscriptionId],
  );
  const { rowCount } = await sql.query(
    `update ${SCHEMA}.deliveries
        set status = 'pending', attempts = 0, next_attempt_at = now(), claimed_at = null, updated_at = now()
      where channel = '${WEBHOOK}' and recipient_id = $1::text and position >= $2::bigint and status <> 'sending'`,
    [subscriptionId, fromPosition],
  );
  return rowCount ?? 0;
}

/** Active or paused subscriptions of any of `ownerIds` that want `eventType` (inside the consuming transaction). */
export async function subscriptionsFor(
  sql: Sql,
  ownerIds: readonly string[],
  eventType: string,
): Promise<{ id: string }[]> {
  const { rows } = await sql.query<{ id: string }>(
    `select id from ${SCHEMA}.webhook_subscriptions
      where owner_id = any($1) and deleted_at is null and (event_types = '{}' or $2 = any(event_types))`,
    [[...new Set(ownerIds)], eventType],
  );
  return rows;
}

export function isUuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
}
