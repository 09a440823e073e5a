import { EventEmitter } from 'node:events';
import { backoffDelay } from '@roomledger/retry';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { INBOX_NOTIFY_CHANNEL } from './inbox-store';

/**
 * One `LISTEN notification_inbox` connection per instance, fanned out in process to the open
 * `StreamInbox` calls by recipient. PostgreSQL delivers a notification to every listening session when
 * the inserting transaction commits, so every instance hears of every item, whichever instance stored it.
 * While the connection is being re-established notifications may be missed: every subscriber is then
 * told (`resync`) and reads what it missed by position, so nothing is lost.
 */
export class InboxListener {
  private readonly events = new EventEmitter();
  private client: PoolClient | undefined;
  private stopped = false;
  private connecting: Promise<void> | undefined;

  constructor(private readonly options: { pool: Pool; logger: Logger }) {
    this.events.setMaxListeners(0);
  }

  start(): void {
    this.connecting ??= this.connect(1);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    if (client) {
      await client.query(`unlisten ${INBOX_NOTIFY_CHANNEL}`).catch(() => undefined);
      client.release();
    }
    this.events.removeAllListeners();
  }

  /** Calls `onChange` whenever `recipientId` may have new items; returns the unsubscribe function. */
  subscribe(recipientId: string, onChange: () => void): () => void {
    this.events.on(recipientId, onChange);
    this.events.on('*', onChange);
    return () => {
      this.events.off(recipientId, onChange);
      this.events.off('*', onChange);
    };
  }

  status(): 'listening' | 'connecting' {
    return this.client ? 'listening' : 'connecting';
  }

  private async connect(attempt: number): Promise<void> {
    while (!this.stopped) {
      try {
        const client = await this.options.pool.connect();
        client.on('notification', (message) => {
          if (message.channel === INBOX_NOTIFY_CHANNEL && message.payload) this.events.emit(message.payload);
        });
        client.on('error', (error) => {
          this.options.logger.warn({ err: error }, 'inbox listener connection lost; reconnecting');
          this.client = undefined;
          client.release(error);
          if (!this.stopped) this.connecting = this.connect(1);
        });
        await client.query(`listen ${INBOX_NOTIFY_CHANNEL}`);
        this.client = client;
        this.events.emit('*'); // whatever committed while not listening
        return;
      } catch (error) {
        const delay = backoffDelay(attempt++, { initialDelayMs: 250, maxDelayMs: 5_000 });
        this.options.logger.warn({ err: error, retryInMs: delay }, 'inbox listener could not listen');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
