import { Client, Pool } from 'pg';
import { testStack, uniqueSuffix } from './stack';

export interface TestDatabase {
  url: string;
  name: string;
  /** A pool on the fresh database; closed by drop(). */
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file, so tests never see each other's rows. */
export async function createTestDatabase(prefix = 'rl_test'): Promise<TestDatabase> {
  const name = `${prefix}_${uniqueSuffix()}`.toLowerCase();
  await withAdmin((admin) => admin.query(`create database ${name}`));
  const url = new URL(testStack.databaseUrl);
  url.pathname = `/${name}`;
  const pool = new Pool({
    connectionString: url.toString(),
    max: 10,
    idle_in_transaction_session_timeout: 10_000,
  });
  // An idle pooled connection that the server ends (a forced drop, a restart) must not crash the test
  // process with an unhandled 'error' event; a query on a dead connection still fails where it is made.
  pool.on('error', () => undefined);
  return {
    url: url.toString(),
    name,
    pool,
    drop: async () => {
      await pool.end();
      await withAdmin(async (admin) => {
        // `with (force)` fails when a backend it may not signal (an autovacuum worker, owned by the
        // superuser) is attached for a moment; such a worker leaves by itself, so try again briefly.
        for (let attempt = 1; ; attempt += 1) {
          try {
            await admin.query(`drop database if exists ${name} with (force)`);
            return;
          } catch (error) {
            if (attempt >= 20 || (error as { code?: string }).code !== '42501') throw error;
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      });
    },
  };
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testStack.databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
