import type { QueryResult, QueryResultRow } from 'pg';

/** A pool, a pool client or a client: whatever can run a statement. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

// Lower-case names only, so a quoted identifier reads the same as an unquoted one in hand-written SQL.
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const MAX_IDENTIFIER_LENGTH = 63;

/** Quotes a table, column or schema name after checking it is a plain lower-case identifier. */
export function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name) || name.length > MAX_IDENTIFIER_LENGTH) {
    throw new Error(
      `not a plain lower-case SQL identifier (max ${MAX_IDENTIFIER_LENGTH}): ${JSON.stringify(name)}`,
    );
  }
  return `"${name}"`;
}

/** Quotes `schema.table` (or just `table`), each part checked by {@link quoteIdent}. */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

/**
 * Runs a DDL statement that two instances starting at once may race on: `create ... if not exists` is
 * not atomic in PostgreSQL, and the loser sees a unique violation although the object now exists.
 */
export async function createIdempotently(client: Queryable, statement: string): Promise<void> {
  try {
    await client.query(statement);
  } catch (error) {
    if (sqlState(error) !== '23505' && sqlState(error) !== '42P07') throw error;
  }
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

// Connection loss, server shutdown, serialization failures, deadlocks, lock and resource limits.
const TRANSIENT_SQLSTATE_CLASSES = ['08', '40', '53', '57'];
const TRANSIENT_SQLSTATES = new Set(['55P03', '55006']);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * Whether a failure is worth retrying as is: the database was unreachable or busy, not the statement
 * wrong. `57014` (query cancelled, e.g. statement timeout) counts as transient; a syntax error, a
 * constraint violation or an exception thrown by projection code does not.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = sqlState(error);
  if (code !== undefined) {
    if (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_SQLSTATES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE_CLASSES.includes(code.slice(0, 2));
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
}
