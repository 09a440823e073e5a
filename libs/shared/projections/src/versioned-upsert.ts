import { quoteIdent, quoteQualified, type Queryable } from './sql';

/**
 * An upsert that changes a read-model row only when the event is newer than the last one applied to
 * that row, so that applying an event twice (a replay, a retried batch, a second instance) is harmless.
 *
 * Which version to keep: an event's `checkpoint` (a `text collate "C"` column) orders every event of
 * the store, so it fits any row, including rows fed by several streams; a stream `revision` (`bigint`)
 * fits rows fed by one stream only. Never an event's `position`: across streams it does not follow the
 * order in which events are delivered.
 */
export interface VersionedUpsert {
  /** `table` or `schema.table`. */
  readonly table: string;
  /** The conflict target: the row's primary key (or another unique key). */
  readonly key: readonly string[];
  /** The column holding the last applied version; compared with `<` and moved on every applied update. */
  readonly versionColumn: string;
  /** Column values of the row to insert; must include the key and the version columns. */
  readonly row: Readonly<Record<string, unknown>>;
  /**
   * SQL expressions for the update, by column, where `current` is the stored row and `excluded` the
   * proposed one (e.g. `{ events: 'current.events + 1' }`). Columns not named here and not in the key
   * take `excluded.<column>`. The version column is always set to the new version.
   */
  readonly update?: Readonly<Record<string, string>>;
  /** A further SQL condition for the update (same `current` / `excluded` names), e.g. `current.room_id = excluded.room_id`. */
  readonly onlyIf?: string;
}

export interface SqlStatement {
  readonly text: string;
  readonly values: unknown[];
}

export function versionedUpsertStatement(upsert: VersionedUpsert): SqlStatement {
  const columns = Object.keys(upsert.row);
  for (const required of [...upsert.key, upsert.versionColumn]) {
    if (!columns.includes(required))
      throw new Error(`versioned upsert into ${upsert.table}: row lacks column ${required}`);
  }
  const version = quoteIdent(upsert.versionColumn);
  const assignments = new Map<string, string>();
  for (const column of columns) {
    if (!upsert.key.includes(column)) assignments.set(column, `excluded.${quoteIdent(column)}`);
  }
  for (const [column, expression] of Object.entries(upsert.update ?? {})) assignments.set(column, expression);
  assignments.set(upsert.versionColumn, `excluded.${version}`);

  const text =
    `insert into ${quoteQualified(upsert.table)} as current (${columns.map(quoteIdent).join(', ')}) ` +
    `values (${columns.map((_, index) => `$${index + 1}`).join(', ')}) ` +
    `on conflict (${upsert.key.map(quoteIdent).join(', ')}) do update set ` +
    [...assignments].map(([column, expression]) => `${quoteIdent(column)} = ${expression}`).join(', ') +
    ` where current.${version} < excluded.${version}` +
    (upsert.onlyIf ? ` and (${upsert.onlyIf})` : '');
  return { text, values: columns.map((column) => upsert.row[column]) };
}

/** Runs a {@link VersionedUpsert}; true when a row was inserted or updated, false when the event was not newer. */
export async function upsertIfNewer(client: Queryable, upsert: VersionedUpsert): Promise<boolean> {
  const { text, values } = versionedUpsertStatement(upsert);
  const result = await client.query(text, values);
  return (result.rowCount ?? 0) > 0;
}
