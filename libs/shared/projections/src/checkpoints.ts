import { parseCheckpoint, type Checkpoint } from '@roomledger/event-store';
import { escapeLiteral } from 'pg';
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

/** The stored checkpoint of `name`, or `undefined` ("before everything") when there is none. */
export async function loadCheckpoint(
  client: Queryable,
  name: string,
  schema: string = DEFAULT_SCHEMA,
): Promise<Checkpoint | undefined> {
  const { rows } = await client.query<{ checkpoint: string | null }>(
    `select checkpoint from ${quoteIdent(schema)}.checkpoints where name = $1`,
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
  const result = await client.query(storeCheckpointSql(name, checkpoint, schema));
  return (result.rowCount ?? 0) > 0;
}

/**
 * {@link storeCheckpoint}'s statement with its values written in: the simple protocol takes no
 * parameters, and this way it can share a round trip with other statements (`...; commit`).
 */
export function storeCheckpointSql(
  name: string,
  checkpoint: Checkpoint,
  schema: string = DEFAULT_SCHEMA,
): string {
  return `insert into ${quoteIdent(schema)}.checkpoints as stored (name, checkpoint)
     values (${escapeLiteral(name)}, ${escapeLiteral(parseCheckpoint(checkpoint))})
     on conflict (name) do update set checkpoint = excluded.checkpoint, updated_at = now()
     where stored.checkpoint is null or stored.checkpoint < excluded.checkpoint`;
}

/**
 * Moves the checkpoint of `name` from `expected` to `next`, only if it is still `expected` (`undefined`:
 * no checkpoint stored yet), and locks its row until the end of the caller's transaction. Returns false,
 * writing nothing, when it had moved: a writer that must find its base unmoved (a projection's lease
 * holder) then rolls back. One statement does what a locking read, a comparison and a store would.
 */
export async function compareAndStoreCheckpoint(
  client: Queryable,
  name: string,
  expected: Checkpoint | undefined,
  next: Checkpoint,
  schema: string = DEFAULT_SCHEMA,
): Promise<boolean> {
  return checkpointMoved(await client.query(compareAndStoreCheckpointSql(name, expected, next, schema)));
}

/**
 * {@link compareAndStoreCheckpoint}'s statement with its values written in, to share a round trip
 * (`begin; ...`); read its result with {@link checkpointMoved}.
 */
export function compareAndStoreCheckpointSql(
  name: string,
  expected: Checkpoint | undefined,
  next: Checkpoint,
  schema: string = DEFAULT_SCHEMA,
): string {
  const s = quoteIdent(schema);
  const named = escapeLiteral(name);
  const from = expected === undefined ? 'null' : escapeLiteral(parseCheckpoint(expected));
  const to = escapeLiteral(parseCheckpoint(next));
  // The insert only when there is no row and none was expected; a row inserted meanwhile by another
  // writer conflicts and inserts nothing.
  return `with updated as (
       update ${s}.checkpoints set checkpoint = ${to}, updated_at = now()
       where name = ${named} and checkpoint is not distinct from ${from}::text
       returning 1
     ), inserted as (
       insert into ${s}.checkpoints (name, checkpoint)
       select ${named}, ${to} where ${from}::text is null and not exists (select from ${s}.checkpoints where name = ${named})
       on conflict (name) do nothing
       returning 1
     )
     select (select count(*) from updated) + (select count(*) from inserted) as moved`;
}

/** Whether {@link compareAndStoreCheckpointSql}'s statement moved the checkpoint, from its result. */
export function checkpointMoved(result: { rows: unknown[] }): boolean {
  return Number((result.rows[0] as { moved: number | string }).moved) > 0;
}

/** Forgets the checkpoint of `name`: its next run starts from the beginning. */
export async function resetCheckpoint(
  client: Queryable,
  name: string,
  schema: string = DEFAULT_SCHEMA,
): Promise<void> {
  await client.query(`delete from ${quoteIdent(schema)}.checkpoints where name = $1`, [name]);
}
