import { parseCheckpoint, type Checkpoint } from '@roomledger/event-store';
import type { QueryResultRow } from 'pg';

/**
 * Where a relay keeps its checkpoint: one row per relay name in `<schema>.relay_checkpoints`.
 *
 * TODO(consolidate): `@roomledger/projections` is getting a shared checkpoint store
 * (`ensureCheckpointTable` / `loadCheckpoint` / `storeCheckpoint`); once it lands, the relay should use
 * it and this file goes away. Kept minimal and private to the relay until then.
 */

/** A pool or a client. */
export interface CheckpointQueryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

function table(schema: string): string {
  if (!IDENT.test(schema)) throw new Error(`invalid checkpoint schema name: ${JSON.stringify(schema)}`);
  return `"${schema}".relay_checkpoints`;
}

export async function ensureRelayCheckpointTable(client: CheckpointQueryable, schema: string): Promise<void> {
  try {
    await client.query(`create schema if not exists "${schema}"`);
    await client.query(
      `create table if not exists ${table(schema)} (
         name text primary key,
         checkpoint text collate "C",
         updated_at timestamptz not null default now()
       )`,
    );
  } catch (error) {
    // Two relays creating the same schema or table at once: the loser sees a unique violation; it exists now.
    if ((error as { code?: string }).code !== '23505') throw error;
  }
}

export async function loadRelayCheckpoint(
  client: CheckpointQueryable,
  schema: string,
  name: string,
): Promise<Checkpoint | undefined> {
  const { rows } = await client.query<{ checkpoint: string | null }>(
    `select checkpoint from ${table(schema)} where name = $1`,
    [name],
  );
  const value = rows[0]?.checkpoint;
  return value == null ? undefined : parseCheckpoint(value);
}

/** Moves the checkpoint forwards only: an older value (a slower, stale instance) never replaces a newer one. */
export async function storeRelayCheckpoint(
  client: CheckpointQueryable,
  schema: string,
  name: string,
  checkpoint: Checkpoint,
): Promise<void> {
  await client.query(
    `insert into ${table(schema)} as c (name, checkpoint) values ($1, $2)
     on conflict (name) do update set checkpoint = excluded.checkpoint, updated_at = now()
     where c.checkpoint is null or c.checkpoint < excluded.checkpoint`,
    [name, checkpoint],
  );
}
