import { parseCheckpoint, type Checkpoint } from '@roomledger/event-store';
import { createIdempotently, quoteIdent, type Queryable } from './sql';

/**
 * The checkpoint store: one row per consumer name (a projection, a relay) in `<schema>.checkpoints`.
 *
 * Call these with the client of the transaction that writes the consumer's effects, so the effects and
 * the checkpoint commit together or not at all. The `schema` argument defaults to `public`; pass the
 * same one to all three functions.
 */

const DEFAULT_SCHEMA = 'public';

/** Creates the schema and `<schema>.checkpoints` if missing; safe to run from several instances at once. */
export async function ensureCheckpointTable(
  client: Queryable,
  schema: string = DEFAULT_SCHEMA,
): Promise<void> {
  const s = quoteIdent(schema);
  await createIdempotently(client, `create schema if not exists ${s}`);
  // collate "C": checkpoints order as plain byte strings (see the event store port's checkpoint.ts).
  await createIdempotently(
    client,
    `create table if not exists ${s}.checkpoints (
       name text primary key,
       checkpoint text collate "C",
       updated_at timestamptz not null default now()
     )`,
  );
}

/**
 * The stored checkpoint of `name`, or `undefined` ("before everything") when there is none. `forUpdate`:
 * also lock its row until the end of the caller's transaction (a writer that must find it unmoved).
 */
export async function loadCheckpoint(
  client: Queryable,
  name: string,
  schema: string = DEFAULT_SCHEMA,
  options: { forUpdate?: boolean } = {},
): Promise<Checkpoint | undefined> {
  const { rows } = await client.query<{ checkpoint: string | null }>(
    `select checkpoint from ${quoteIdent(schema)}.checkpoints where name = $1${options.forUpdate ? ' for update' : ''}`,
    [name],
  );
  const value = rows[0]?.checkpoint;
  return value == null ? undefined : parseCheckpoint(value);
}

/**
 * Stores the checkpoint of `name`, forwards only: an older value (a slower instance finishing a batch
 * another one already applied) never replaces a newer one. Returns whether the row moved.
 */
export async function storeCheckpoint(
  client: Queryable,
  name: string,
  checkpoint: Checkpoint,
  schema: string = DEFAULT_SCHEMA,
): Promise<boolean> {
  const result = await client.query(
    `insert into ${quoteIdent(schema)}.checkpoints as stored (name, checkpoint) values ($1, $2)
     on conflict (name) do update set checkpoint = excluded.checkpoint, updated_at = now()
     where stored.checkpoint is null or stored.checkpoint < excluded.checkpoint`,
    [name, parseCheckpoint(checkpoint)],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Forgets the checkpoint of `name`: its next run starts from the beginning. */
export async function resetCheckpoint(
  client: Queryable,
  name: string,
  schema: string = DEFAULT_SCHEMA,
): Promise<void> {
  await client.query(`delete from ${quoteIdent(schema)}.checkpoints where name = $1`, [name]);
}
