import { Client, type Pool } from 'pg';

/**
 * Wakes subscribers when events were appended.
 *
 * - In-process: an append through this store wakes its own subscriptions right after commit, for free.
 * - Across processes: after a commit the appender sends one `pg_notify` at most every `coalesceMs`,
 *   outside the append transaction. A NOTIFY inside every append transaction would take the server's
 *   notification-queue lock at each commit, which serialises commits (measured: 4.4k → 2.7k appends/s).
 * - Subscribers LISTEN on one connection per store and treat a notification only as a hint; they poll
 *   at `pollIntervalMs` anyway, so a lost notification or a dropped listener only adds latency.
 */
export class AppendSignal {
  private generation = 0;
  private readonly waiters = new Set<() => void>();
  private notifyTimer: NodeJS.Timeout | undefined;
  private listener: Client | undefined;
  private listening: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly coalesceMs: number,
  ) {}

  /** Marks "now": a later {@link wait} returns at once if anything was appended since. */
  arm(): number {
    return this.generation;
  }

  /** Resolves on the first append signalled after `armed`, or after `timeoutMs`. */
  wait(armed: number, timeoutMs: number): Promise<void> {
    if (this.generation !== armed || this.closed) return Promise.resolve();
    void this.listen();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Wakes every waiting subscription of this store. */
  wake(): void {
    this.generation = (this.generation + 1) | 0;
    for (const waiter of [...this.waiters]) waiter();
  }

  /** After a commit: wake local subscribers now, tell other processes soon (coalesced). */
  appended(): void {
    this.wake();
    if (this.notifyTimer !== undefined || this.closed || this.coalesceMs < 0) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      if (this.closed) return;
      this.pool.query('select pg_notify($1, $2)', [this.channel, '']).catch(() => undefined);
    }, this.coalesceMs);
    this.notifyTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.notifyTimer);
    this.wake();
    const listener = this.listener;
    this.listener = undefined;
    await this.listening?.catch(() => undefined);
    await listener?.end().catch(() => undefined);
  }

  private listen(): Promise<void> {
    this.listening ??= this.startListener().catch(() => {
      // Polling covers for a missing listener; try again on a later wait.
      this.listening = undefined;
    });
    return this.listening;
  }

  private async startListener(): Promise<void> {
    const client = new Client({
      connectionString: this.connectionString,
      application_name: 'roomledger-event-store-listener',
    });
    client.on('notification', () => this.wake());
    client.on('error', () => {
      if (this.listener === client) {
        this.listener = undefined;
        this.listening = undefined;
      }
      client.end().catch(() => undefined);
    });
    await client.connect();
    if (this.closed) {
      await client.end();
      return;
    }
    this.listener = client;
    await client.query(`listen "${this.channel}"`);
  }
}
