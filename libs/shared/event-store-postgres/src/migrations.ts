import type { Pool } from 'pg';

/**
 * The store's schema, as an ordered list of migrations. Each runs once per schema, recorded in
 * `<schema>.migrations`; all of them run in one transaction under an advisory lock, so instances that
 * start together neither race nor half-apply. Never edit a released migration: add the next one.
 */
export function migrations(schema: string): readonly { version: number; sql: string }[] {
  const s = quoteIdent(schema);
  return [
    {
      version: 1,
      sql: `
create table ${s}.streams (
  stream_name text primary key,
  -- the revision of the stream's last event; the row is locked by every append to the stream
  revision bigint not null check (revision >= 0)
);

create table ${s}.events (
  global_position bigint generated always as identity,
  transaction_id xid8 not null default pg_current_xact_id(),
  stream_name text not null,
  category text not null generated always as (split_part(stream_name, '-', 1)) stored,
  revision bigint not null,
  event_id uuid not null,
  type text not null,
  data jsonb not null,
  metadata jsonb not null,
  created_at timestamptz not null default now(),
  -- $all order: by writing transaction, then position; what readers page on
  primary key (transaction_id, global_position),
  unique (stream_name, revision),
  unique (stream_name, event_id)
);

create index events_category_order on ${s}.events (category, transaction_id, global_position);

create table ${s}.snapshots (
  stream_name text primary key,
  revision bigint not null,
  state jsonb not null,
  created_at timestamptz not null default now()
);

-- One round trip per append. Locks only the stream's row in streams; returns what happened instead of
-- raising, so a refused append costs no exception handling.
create function ${s}.append_events(
  p_stream text,
  p_expected_kind text,          -- 'any' | 'no_stream' | 'stream_exists' | 'revision'
  p_expected_revision bigint,    -- for 'revision'
  p_ids uuid[],
  p_types text[],
  p_data jsonb[],
  p_metadata jsonb[]
) returns table (
  status text,                   -- 'appended' | 'idempotent' | 'wrong_expected_version' | 'event_id_conflict'
  next_revision bigint,
  last_position bigint,
  last_transaction text,
  actual_revision bigint         -- the stream's revision when refused; null = no stream
)
language plpgsql as $fn$
declare
  v_count bigint := cardinality(p_ids);
  v_current bigint;
  v_base bigint;
  v_found bigint;
  v_first bigint;
  v_last bigint;
  v_in_order boolean;
  v_last_position bigint;
begin
  -- Fast paths: one statement both checks the expectation and takes the stream's row lock.
  if p_expected_kind = 'revision' then
    update ${s}.streams set revision = revision + v_count
      where stream_name = p_stream and revision = p_expected_revision;
    if found then
      v_base := p_expected_revision + 1;
    end if;
  elsif p_expected_kind in ('no_stream', 'any') then
    insert into ${s}.streams (stream_name, revision) values (p_stream, v_count - 1)
      on conflict (stream_name) do nothing;
    if found then
      v_base := 0;
    end if;
  end if;

  if v_base is null then
    -- The stream exists and differs from a revision expectation, or exists under no_stream/any, or
    -- stream_exists was asked: lock the row and look closer.
    select st.revision into v_current from ${s}.streams st where st.stream_name = p_stream for update;
    if not found then
      -- only stream_exists or a revision can get here: the stream does not exist
      return query select 'wrong_expected_version', null::bigint, null::bigint, null::text, null::bigint;
      return;
    end if;

    -- Are these events already here (a retried append)?
    select count(*), min(e.revision), max(e.revision), array_agg(e.event_id order by e.revision) = p_ids
      into v_found, v_first, v_last, v_in_order
      from ${s}.events e where e.stream_name = p_stream and e.event_id = any(p_ids);
    if v_found > 0 then
      if v_found = v_count and v_in_order and v_last - v_first = v_count - 1 then
        if p_expected_kind in ('any', 'stream_exists')
          or (p_expected_kind = 'no_stream' and v_first = 0)
          or (p_expected_kind = 'revision' and v_first = p_expected_revision + 1) then
          return query select 'idempotent', v_last, e.global_position, e.transaction_id::text, v_current
            from ${s}.events e where e.stream_name = p_stream and e.revision = v_last;
          return;
        end if;
        return query select 'wrong_expected_version', null::bigint, null::bigint, null::text, v_current;
        return;
      end if;
      return query select 'event_id_conflict', null::bigint, null::bigint, null::text, v_current;
      return;
    end if;

    if p_expected_kind in ('no_stream')
      or (p_expected_kind = 'revision' and p_expected_revision <> v_current) then
      return query select 'wrong_expected_version', null::bigint, null::bigint, null::text, v_current;
      return;
    end if;

    update ${s}.streams set revision = v_current + v_count where stream_name = p_stream;
    v_base := v_current + 1;
  end if;

  with inserted as (
    insert into ${s}.events (stream_name, revision, event_id, type, data, metadata)
    select p_stream, v_base + t.ord - 1, t.id, t.type, t.data, t.metadata
      from unnest(p_ids, p_types, p_data, p_metadata) with ordinality as t(id, type, data, metadata, ord)
      order by t.ord
    returning global_position
  )
  select max(global_position) into v_last_position from inserted;

  return query select 'appended', v_base + v_count - 1, v_last_position, pg_current_xact_id()::text, null::bigint;
end
$fn$;
`,
    },
    {
      version: 2,
      sql: `
-- Group commit: several appends (to any streams) in one statement and one transaction. Each append is
-- decided exactly as append_events decides it alone; a refused one returns its status and the others
-- still commit. The caller orders the appends by stream name so that two batches lock rows in the same
-- order and cannot deadlock. Arrays are flat: append i owns p_counts[i] consecutive events.
create function ${s}.append_batch(
  p_streams text[],
  p_expected_kinds text[],
  p_expected_revisions bigint[],
  p_counts int[],
  p_ids uuid[],
  p_types text[],
  p_data jsonb[],
  p_metadata jsonb[]
) returns table (
  ord int,
  status text,
  next_revision bigint,
  last_position bigint,
  last_transaction text,
  actual_revision bigint
)
language plpgsql as $fn$
declare
  v_offset int := 0;
  v_i int;
  v_n int;
begin
  for v_i in 1 .. cardinality(p_streams) loop
    v_n := p_counts[v_i];
    return query select v_i, r.* from ${s}.append_events(
      p_streams[v_i], p_expected_kinds[v_i], p_expected_revisions[v_i],
      p_ids[v_offset + 1 : v_offset + v_n], p_types[v_offset + 1 : v_offset + v_n],
      p_data[v_offset + 1 : v_offset + v_n], p_metadata[v_offset + 1 : v_offset + v_n]) r;
    v_offset := v_offset + v_n;
  end loop;
end
$fn$;
`,
    },
  ];
}

/** Applies what is missing, idempotently, under an advisory lock scoped to the schema. */
export async function migrate(pool: Pool, schema: string): Promise<void> {
  const s = quoteIdent(schema);
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`roomledger.event_store:${schema}`]);
    await client.query(`create schema if not exists ${s}`);
    await client.query(
      `create table if not exists ${s}.migrations (version int primary key, applied_at timestamptz not null default now())`,
    );
    const { rows } = await client.query<{ version: number }>(`select version from ${s}.migrations`);
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of migrations(schema)) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(`insert into ${s}.migrations (version) values ($1)`, [migration.version]);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!IDENTIFIER.test(schema)) {
    throw new Error(`event store schema must be a lower-case SQL identifier: ${JSON.stringify(schema)}`);
  }
}

export function quoteIdent(identifier: string): string {
  assertSchemaName(identifier);
  return `"${identifier}"`;
}
