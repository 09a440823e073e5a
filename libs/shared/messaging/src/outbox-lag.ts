import type { Lag } from '@roomledger/observability';
import type { Queryable } from '@roomledger/projections';

const QUALIFIED = /^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/;

/**
 * The lag of a table outbox relay (rows written with a change, marked `published_at` once Kafka
 * acknowledged them): rows still unpublished and the age of the oldest. One query on the partial index
 * of pending rows that such an outbox keeps (`where published_at is null`).
 */
export async function outboxTableLag(pool: Queryable, table: string): Promise<Lag> {
  if (!QUALIFIED.test(table)) throw new Error(`not a plain schema.table name: ${JSON.stringify(table)}`);
  const { rows } = await pool.query<{ events: number; seconds: number | null }>(
    `select count(*)::int as events, extract(epoch from now() - min(created_at))::float8 as seconds
       from ${table} where published_at is null`,
  );
  return { events: rows[0].events, seconds: Math.max(0, rows[0].seconds ?? 0) };
}
