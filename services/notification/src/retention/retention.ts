import { setTimeout as delay } from 'node:timers/promises';
import { acquireLease } from '@roomledger/projections';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { MeetingFacts } from '../domain';
import { overAt } from '../meeting/meeting-copies';
import { inTransaction, SCHEMA } from '../persistence/schema';
import { REMINDER } from '../reminder/reminder-channel';
import { WEBHOOK } from '../webhook/webhook-subscriptions';

/** What is kept how long, in days (see the config). */
export interface RetentionPolicy {
  /**
   * Delivery-log rows in a final state, counted from when they reached it; also reminders sent or
   * cancelled (from then), and deleted webhook subscriptions (from their deletion).
   */
  readonly deliveryLogDays: number;
  /** The intake's consumed-message ids (`notification.inbox`). */
  readonly inboxDedupeDays: number;
  /** Read in-app items, counted from when they were made. */
  readonly inboxItemsDays: number;
  /** Meeting copies, counted from when the meeting was over (and from their last change). */
  readonly meetingCopyDays: number;
}

export type PrunedTable =
  'deliveries' | 'inbox' | 'inbox_items' | 'reminders' | 'webhook_subscriptions' | 'meetings';

export interface RetentionOptions {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly policy: RetentionPolicy;
  /** Rows per delete statement (default 5,000): short statements, short locks, bounded WAL bursts. */
  readonly batchSize?: number;
  /** Between two rounds (default 1 hour). */
  readonly intervalMs?: number;
  /** How often a standby instance tries to take the lease over (default 1 minute: nothing here is urgent). */
  readonly leaseRetryMs?: number;
  readonly onPruned?: (table: PrunedTable, rows: number) => void;
}

export type PruneRound = Record<PrunedTable, number>;

const LEASE = 'notification-retention';

/**
 * Deletes what the service no longer needs, so its tables stop growing forever: delivery-log rows in a
 * final state (`sent`, `dead_lettered`, `cancelled`), consumed-message ids of the shared inbox, read
 * in-app items, reminders `sent` or `cancelled`, deleted webhook subscriptions and the copies of
 * meetings that are over, each older than its retention. Never a row a dispatcher still needs: `pending`,
 * `sending` and `failed` deliveries are not final, and a reminder's at-most-once guard stays while its
 * reminder is still `scheduled` (its job may yet fire). Unread items stay. A reminder row goes only once
 * Redis mirrors it (`synced`: its job removed); a job that fires anyway finds no row and fires nothing.
 * A deleted subscription goes once none of its deliveries is left in the log; a meeting copy once none
 * of its reminders is still scheduled.
 *
 * One instance prunes at a time (the shared lease, as the outbox relay), in rounds every `intervalMs`,
 * each table in statements of `batchSize` rows until one deletes fewer (nothing older is left).
 */
export class Retention {
  private role: 'starting' | 'standby' | 'leader' | 'stopped' = 'starting';
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly options: RetentionOptions) {}

  start(): void {
    this.running ??= this.loop().catch((error: unknown) =>
      this.options.logger.error({ err: error }, 'retention ended unexpectedly'),
    );
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    this.role = 'stopped';
  }

  status(): string {
    return this.role;
  }

  /** One round over every table; returns the rows deleted per table. Stops between batches once `signal` aborts. */
  async pruneOnce(signal: AbortSignal = this.stopping.signal): Promise<PruneRound> {
    const { policy } = this.options;
    const round: PruneRound = {
      deliveries: await this.prune('deliveries', signal, DELETE_FINAL_DELIVERIES, policy.deliveryLogDays),
      inbox: await this.prune('inbox', signal, DELETE_CONSUMED_IDS, policy.inboxDedupeDays),
      inbox_items: await this.prune('inbox_items', signal, DELETE_READ_ITEMS, policy.inboxItemsDays),
      reminders: await this.prune('reminders', signal, DELETE_FINAL_REMINDERS, policy.deliveryLogDays),
      webhook_subscriptions: await this.prune(
        'webhook_subscriptions',
        signal,
        DELETE_DELETED_SUBSCRIPTIONS,
        policy.deliveryLogDays,
      ),
      meetings: (await this.settleOverAt(signal))
        ? await this.prune('meetings', signal, DELETE_MEETINGS_OVER, policy.meetingCopyDays)
        : 0,
    };
    if (Object.values(round).some((rows) => rows > 0))
      this.options.logger.info({ pruned: round }, 'old rows pruned');
    return round;
  }

  /**
   * Copies saved before `over_at` existed get it computed here, in batches (rows locked, so a copy being
   * changed meanwhile is left to its own save). True once none is left (or the round is stopping: false).
   */
  private async settleOverAt(signal: AbortSignal): Promise<boolean> {
    const batchSize = this.options.batchSize ?? 5_000;
    while (!signal.aborted) {
      const settled = await inTransaction(this.options.pool, async (tx) => {
        const { rows } = await tx.query<{ meeting_id: string; meeting: MeetingFacts; updated_at: Date }>(
          `select meeting_id, meeting, updated_at from ${SCHEMA}.meetings
            where over_at is null limit $1 for update skip locked`,
          [batchSize],
        );
        for (const row of rows)
          await tx.query(`update ${SCHEMA}.meetings set over_at = $2 where meeting_id = $1`, [
            row.meeting_id,
            overAt(row.meeting) ?? row.updated_at,
          ]);
        return rows.length;
      });
      if (settled < batchSize) return true;
    }
    return false;
  }

  private async prune(table: PrunedTable, signal: AbortSignal, sql: string, days: number): Promise<number> {
    const batchSize = this.options.batchSize ?? 5_000;
    let total = 0;
    while (!signal.aborted) {
      const { rowCount } = await this.options.pool.query(sql, [days, batchSize]);
      const deleted = rowCount ?? 0;
      total += deleted;
      if (deleted > 0) this.options.onPruned?.(table, deleted);
      if (deleted < batchSize) break;
    }
    return total;
  }

  private async loop(): Promise<void> {
    const { pool, logger, intervalMs = 3_600_000, leaseRetryMs = 60_000 } = this.options;
    while (!this.stopping.signal.aborted) {
      const lease = await acquireLease(pool, LEASE, {
        signal: this.stopping.signal,
        retryMs: leaseRetryMs,
        onStandby: () => {
          this.role = 'standby';
        },
      });
      if (!lease) break;
      this.role = 'leader';
      const session = AbortSignal.any([this.stopping.signal, lease.lost]);
      try {
        while (!session.aborted) {
          await this.pruneOnce(session).catch((error: unknown) => {
            if (!session.aborted) logger.warn({ err: error }, 'pruning failed; trying again next round');
          });
          await delay(intervalMs, undefined, { signal: session }).catch(() => undefined);
        }
      } finally {
        this.role = 'standby';
        await lease.release();
      }
    }
  }
}

/** $1: days, $2: batch size. A reminder's guard row (event id `<job id>@<time>`) stays while its reminder may fire. */
const DELETE_FINAL_DELIVERIES = `
  delete from ${SCHEMA}.deliveries
   where id in (
     select d.id from ${SCHEMA}.deliveries d
      where d.status in ('sent', 'dead_lettered', 'cancelled')
        and d.updated_at < now() - make_interval(days => $1)
        and not (d.channel = '${REMINDER}' and exists (
          select 1 from ${SCHEMA}.reminders r
           where r.job_id = split_part(d.event_id, '@', 1) and r.status = 'scheduled'))
      limit $2)`;

const DELETE_CONSUMED_IDS = `
  delete from ${SCHEMA}.inbox i
   using (select consumer_group, event_id from ${SCHEMA}.inbox
           where processed_at < now() - make_interval(days => $1) limit $2) old
   where i.consumer_group = old.consumer_group and i.event_id = old.event_id`;

const DELETE_READ_ITEMS = `
  delete from ${SCHEMA}.inbox_items
   where id in (
     select id from ${SCHEMA}.inbox_items
      where read_at is not null and created_at < now() - make_interval(days => $1)
      limit $2)`;

/**
 * $1: days, $2: batch size. Sent or cancelled reminders (their guard rows are no longer protected, see
 * above) once Redis mirrors them: a cancelled one's job has been removed. Should a job fire anyway, it
 * finds no row and fires nothing; planning the same job id again inserts a new row, as for a cancelled one.
 */
const DELETE_FINAL_REMINDERS = `
  delete from ${SCHEMA}.reminders
   where job_id in (
     select job_id from ${SCHEMA}.reminders
      where status in ('sent', 'cancelled') and synced
        and updated_at < now() - make_interval(days => $1)
      limit $2)`;

/**
 * $1: days, $2: batch size. Subscriptions deleted (soft: `deleted_at`) that long ago, once the delivery
 * log keeps none of their deliveries (their final rows go after the same retention; a `sending` one
 * is settled first), so no delivery row ever names a subscription that is gone.
 */
const DELETE_DELETED_SUBSCRIPTIONS = `
  delete from ${SCHEMA}.webhook_subscriptions
   where id in (
     select s.id from ${SCHEMA}.webhook_subscriptions s
      where s.deleted_at is not null and s.deleted_at < now() - make_interval(days => $1)
        and not exists (
          select 1 from ${SCHEMA}.deliveries d
           where d.recipient_id = s.id::text and d.channel = '${WEBHOOK}')
      limit $2 for update of s skip locked)`;

/**
 * $1: days, $2: batch size. Copies of meetings over (`over_at`: cancelled, or the last occurrence
 * ended) and unchanged that long, none of whose reminders is still scheduled. An event arriving later
 * for such a meeting finds no copy: one that needs it (an occurrence's change or cancellation, an
 * answer, a split, a conflict) tells nobody, as for a meeting never seen scheduled; a whole meeting
 * (\`scheduled\`, \`updated\` of scope \`all\`) makes a new copy.
 */
const DELETE_MEETINGS_OVER = `
  delete from ${SCHEMA}.meetings
   where meeting_id in (
     select m.meeting_id from ${SCHEMA}.meetings m
      where m.over_at < now() - make_interval(days => $1)
        and m.updated_at < now() - make_interval(days => $1)
        and not exists (
          select 1 from ${SCHEMA}.reminders r where r.subject = m.meeting_id and r.status = 'scheduled')
      limit $2 for update of m skip locked)`;
