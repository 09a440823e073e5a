import type { Pool, PoolClient } from 'pg';

/** Held leadership of one named job across every instance of a service. */
export interface Lease {
  /** Aborts when the lease is lost (its connection died): stop the work at once. */
  readonly lost: AbortSignal;
  /** Gives the lease up (unlocks and returns the connection). */
  release(): Promise<void>;
}

export interface LeaseOptions {
  /** Stop trying (resolves `undefined`). */
  readonly signal: AbortSignal;
  /** How often a standby instance tries again (default 2,000 ms). */
  readonly retryMs?: number;
  /** How often the holder checks its connection is alive (default 5,000 ms). */
  readonly heartbeatMs?: number;
  readonly onStandby?: () => void;
}

/**
 * Waits until this instance holds the job `name`: a PostgreSQL session advisory lock
 * (`pg_try_advisory_lock`) on a connection kept out of the pool for as long as the lease lasts. Exactly
 * one instance holds it; when the holder dies its session ends and the lock with it, and a standby takes
 * over within `retryMs`. A connection error (or a failed heartbeat) aborts `lost`, so the holder stops
 * before another may have started. Used for jobs that must run once per deployment, such as a relay,
 * which would otherwise publish everything once per instance.
 */
export async function acquireLease(
  pool: Pool,
  name: string,
  options: LeaseOptions,
): Promise<Lease | undefined> {
  const key = `roomledger.lease:${name}`;
  while (!options.signal.aborted) {
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        'select pg_try_advisory_lock(hashtext($1)) as locked',
        [key],
      );
      if (rows[0].locked) return holdLease(client, key, options.heartbeatMs ?? 5_000);
      client.release();
    } catch {
      client?.release(true);
    }
    options.onStandby?.();
    await pause(options.retryMs ?? 2_000, options.signal);
  }
  return undefined;
}

function holdLease(client: PoolClient, key: string, heartbeatMs: number): Lease {
  const lost = new AbortController();
  let released = false;
  const onError = () => lost.abort(new Error(`lease ${key} lost: its connection failed`));
  client.on('error', onError);
  const heartbeat = setInterval(() => {
    client.query('select 1').catch(onError);
  }, heartbeatMs);
  heartbeat.unref();
  return {
    lost: lost.signal,
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      client.off('error', onError);
      if (lost.signal.aborted) {
        client.release(true);
        return;
      }
      try {
        await client.query('select pg_advisory_unlock(hashtext($1))', [key]);
        client.release();
      } catch {
        client.release(true); // closing the session drops the lock
      }
    },
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
