import { backoffDelay } from '@roomledger/retry';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { BookingFacts, MeetingReminderFacts, Notice } from '../domain';
import { recordDelivery } from '../delivery-log/delivery-log';
import { fanOut, type NotificationChannel } from '../intake/channel';
import { inTransaction, SCHEMA } from '../persistence/schema';
import { Wakeup } from '../wakeup';
import { planMeetingReminderRows, seriesToPlan, type MeetingReminderSettings } from './meeting-reminders';
import { REMINDER } from './reminder-channel';

export const REMINDER_EVENT_TYPE = 'roomledger.notification.reminder.v1';

interface ReminderJob {
  readonly jobId: string;
  /** The time the job was scheduled for: a job left over from before a move fires nothing. */
  readonly fireAt: string;
}

type ReminderRow = {
  job_id: string;
  /** The booking or meeting id. */
  subject: string;
  recipient_id: string;
  offset_minutes: number;
  fire_at: Date;
  status: 'scheduled' | 'cancelled' | 'sent';
} & (
  | { kind: 'booking-reminder'; facts: BookingFacts }
  | { kind: 'meeting-reminder'; facts: MeetingReminderFacts }
);

const ROW_COLUMNS = 'job_id, subject, kind, recipient_id, offset_minutes, fire_at, facts, status';

/** How often series are looked at for occurrences coming into the reminder horizon. */
const PLAN_SERIES_EVERY_MS = 10 * 60_000;

export interface ReminderMetrics {
  scheduled(): void;
  cancelled(): void;
  sent(): void;
}

/**
 * The reminders' Redis side (BullMQ): the scheduler mirrors `reminders` rows changed by the intake into
 * delayed jobs (job id = the row's deterministic id: a move removes and re-adds it with the new delay,
 * a cancellation removes it), and the worker fires them: in one PostgreSQL transaction it checks the
 * row is still scheduled for that time, records a `reminder` row in the delivery log keyed by the job
 * id and time (the at-most-once guard: a job run twice, or again after a restart mid-way, finds it and
 * does nothing), marks the reminder sent and offers a `booking-reminder` (or `meeting-reminder`) notice
 * to the e-mail and in-app channels, whose e-mail the e-mail dispatcher then sends. Every 10 minutes it
 * also plans the series whose reminder horizon runs short, so later occurrences get theirs in time.
 */
export class ReminderQueue {
  private readonly connection: Redis;
  private readonly queue: Queue<ReminderJob>;
  private worker: Worker<ReminderJob> | undefined;
  private workerConnection: Redis | undefined;
  private readonly wakeup = new Wakeup();
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: {
      pool: Pool;
      redisUrl: string;
      queueName: string;
      logger: Logger;
      /** The channels a fired reminder is offered to (e-mail and in-app). */
      channels: readonly NotificationChannel[];
      concurrency?: number;
      pollIntervalMs?: number;
      metrics?: ReminderMetrics;
      /** After a reminder's deliveries committed: the e-mail dispatcher is woken. */
      onFired?: () => void;
      /** Offsets and minute length for planning meetings' later occurrences. */
      meetings: MeetingReminderSettings;
    },
  ) {
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.queue = new Queue<ReminderJob>(options.queueName, { connection: this.connection });
  }

  start(): void {
    if (this.worker) return;
    this.workerConnection = this.connection.duplicate();
    this.worker = new Worker<ReminderJob>(this.options.queueName, (job) => this.fire(job), {
      connection: this.workerConnection,
      concurrency: this.options.concurrency ?? 4,
    });
    this.worker.on('error', (error) => this.options.logger.warn({ err: error }, 'reminder worker error'));
    this.running ??= this.loop();
  }

  /** Reminder rows changed: mirror them now rather than at the next poll. */
  wake(): void {
    this.wakeup.wake();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    await this.worker?.close();
    await this.queue.close();
    await this.workerConnection?.quit().catch(() => undefined);
    await this.connection.quit().catch(() => undefined);
  }

  status(): string {
    return this.worker?.isRunning() ? 'running' : 'stopped';
  }

  /** The job as Redis has it (tests). */
  job(jobId: string): Promise<Job<ReminderJob> | undefined> {
    return this.queue.getJob(jobId);
  }

  /** Removes this queue's jobs from Redis altogether (tests). */
  obliterate(): Promise<void> {
    return this.queue.obliterate({ force: true });
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let seriesPlannedAt = 0;
    while (!this.stopping.signal.aborted) {
      try {
        if (Date.now() - seriesPlannedAt >= PLAN_SERIES_EVERY_MS) {
          await this.planSeries();
          seriesPlannedAt = Date.now();
        }
        this.wakeup.arm();
        const synced = await this.syncOnce();
        failures = 0;
        if (synced > 0) continue;
        await this.wakeup.wait(this.options.pollIntervalMs ?? 1_000, this.stopping.signal);
      } catch (error) {
        failures += 1;
        const retryInMs = backoffDelay(failures, { initialDelayMs: 250, maxDelayMs: 10_000 });
        this.options.logger.warn({ err: error, retryInMs }, 'reminder scheduler failed; retrying');
        await this.wakeup.wait(retryInMs, this.stopping.signal);
      }
    }
  }

  /** Plans again the series whose reminder horizon runs short (their new rows are then mirrored). */
  private async planSeries(): Promise<void> {
    for (;;) {
      const planned = await inTransaction(this.options.pool, async (tx) => {
        const now = Date.now();
        const due = await seriesToPlan(tx, now);
        for (const meeting of due) await planMeetingReminderRows(tx, meeting, this.options.meetings, now);
        return due.length;
      });
      if (planned < 50 || this.stopping.signal.aborted) return;
    }
  }

  /** Mirrors up to 100 unsynced rows into Redis (rows locked meanwhile, so instances share the work). */
  private syncOnce(): Promise<number> {
    return inTransaction(this.options.pool, async (tx) => {
      const { rows } = await tx.query<ReminderRow>(
        `select ${ROW_COLUMNS}
           from ${SCHEMA}.reminders where not synced order by updated_at limit 100 for update skip locked`,
      );
      let done = 0;
      for (const row of rows) {
        const existing = await this.queue.getJob(row.job_id);
        const wanted = row.status === 'scheduled' ? row.fire_at.toISOString() : undefined;
        if (existing && existing.data.fireAt !== wanted) {
          // A job for another time (before a move), or a cancelled reminder: take it out. A job being
          // run right now cannot be removed: the row stays unsynced and is looked at again next time
          // (its worker finds the row changed and fires nothing).
          if ((await this.queue.remove(row.job_id)) === 0 && (await this.queue.getJob(row.job_id))) continue;
          if (!wanted) this.options.metrics?.cancelled();
        }
        if (wanted && existing?.data.fireAt !== wanted) {
          await this.queue.add(
            'reminder',
            { jobId: row.job_id, fireAt: wanted },
            {
              jobId: row.job_id,
              delay: Math.max(0, row.fire_at.getTime() - Date.now()),
              removeOnComplete: true,
              removeOnFail: true,
              attempts: 5,
              backoff: { type: 'exponential', delay: 1_000 },
            },
          );
          this.options.metrics?.scheduled();
        }
        await tx.query(`update ${SCHEMA}.reminders set synced = true where job_id = $1`, [row.job_id]);
        done += 1;
      }
      return done;
    });
  }

  private async fire(job: Job<ReminderJob>): Promise<void> {
    const fired = await inTransaction(this.options.pool, async (tx) => {
      const { rows } = await tx.query<ReminderRow>(
        `select ${ROW_COLUMNS} from ${SCHEMA}.reminders where job_id = $1 for update`,
        [job.data.jobId],
      );
      const row = rows[0];
      if (!row || row.status !== 'scheduled' || row.fire_at.toISOString() !== job.data.fireAt) return false;
      const raised = {
        eventId: `${row.job_id}@${job.data.fireAt}`,
        eventType: REMINDER_EVENT_TYPE,
        subject: row.subject,
        occurredAt: new Date().toISOString(),
        audience: [row.recipient_id],
        minutesBefore: row.offset_minutes,
      };
      const notice: Notice =
        row.kind === 'meeting-reminder'
          ? { ...raised, kind: 'meeting-reminder', guests: [], reminder: row.facts }
          : { ...raised, kind: 'booking-reminder', booking: row.facts };
      // The at-most-once guard: this reminder at this time is in the delivery log once.
      if (!(await recordDelivery(tx, notice, row.recipient_id, REMINDER, undefined))) return false;
      await tx.query(
        `update ${SCHEMA}.deliveries set status = 'sent', attempts = 1, sent_at = now(), updated_at = now()
          where event_id = $1 and recipient_id = $2 and channel = '${REMINDER}'`,
        [notice.eventId, row.recipient_id],
      );
      await tx.query(`update ${SCHEMA}.reminders set status = 'sent', updated_at = now() where job_id = $1`, [
        row.job_id,
      ]);
      await fanOut(tx, notice, this.options.channels, {});
      return true;
    });
    if (fired) {
      this.options.metrics?.sent();
      this.options.onFired?.();
    }
  }
}
