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
  return {
    url: url.toString(),
    name,
    pool,
    drop: async () => {
      await pool.end();
      await withAdmin((admin) => admin.query(`drop database if exists ${name} with (force)`));
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
