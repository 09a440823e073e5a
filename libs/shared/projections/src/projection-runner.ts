import {
  compareCheckpoints,
  type Checkpoint,
  type EventStore,
  type EventTypeFilter,
  type RecordedEvent,
  type Subscription,
  type SubscriptionBatch,
} from '@roomledger/event-store';
import { backoffDelay, type Backoff } from '@roomledger/retry';
import type { Pool, PoolClient, QueryResult } from 'pg';
import {
  checkpointMoved,
  compareAndStoreCheckpointSql,
  ensureCheckpointTable,
  loadCheckpoint,
  storeCheckpointSql,
} from './checkpoints';
import { eventStoreLag } from './lag';
import { acquireLease } from './leadership';
import { isTransientDatabaseError, quoteIdent } from './sql';

/** What a projection's code is told about where it writes. */
export interface ProjectionContext {
  readonly name: string;
  /** The schema its tables live in now: the projection's own, or the fresh one of a {@link ProjectionRunner.rebuild}. */
  readonly schema: string;
}

/**
 * A read model fed by a catch-up subscription. Its `setup` and `apply` run with `search_path` set to the
 * target schema, so they name their tables unqualified (`stream_counts`, not `booking_read.stream_counts`);
 * that is what lets {@link ProjectionRunner.rebuild} build the same tables in a fresh schema.
 */
export interface Projection {
  /** Names the checkpoint row; unique within the schema. */
  readonly name: string;
  /**
   * The schema the projection owns (default: its name). It holds the projection's tables and its
   * checkpoint, and nothing else: a rebuild replaces the whole schema.
   */
  readonly schema?: string;
  /** Stream categories to read (`roomSchedule`); omit for every event. */
  readonly categories?: readonly string[];
  /** Only these event types of the categories named here (the store sends no others). */
  readonly eventTypes?: EventTypeFilter;
  /** Creates the tables idempotently (`create table if not exists ...`); runs in a transaction at start. */
  setup(client: PoolClient, context: ProjectionContext): Promise<void>;
  /**
   * Applies one batch, in global order, inside the transaction that also stores the batch's checkpoint.
   * Must be harmless when an event is applied again (see `upsertIfNewer`); must not commit or roll back.
   */
  apply(client: PoolClient, events: readonly RecordedEvent[], context: ProjectionContext): Promise<void>;
}

export interface ProjectionLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ProjectionRunnerOptions extends Projection {
  readonly store: EventStore;
  readonly pool: Pool;
  /** Most events in one batch, hence in one transaction (default 500). */
  readonly batchSize?: number;
  /** Delays between retries of a transient failure (default: 100 ms doubling to 10 s, 20 % jitter). */
  readonly retry?: Backoff;
  /** Which failures are retried; default {@link isTransientDatabaseError}. Anything else stops the runner. */
  readonly isTransient?: (error: unknown) => boolean;
  readonly logger?: ProjectionLogger;
  /** Called after every change of {@link ProjectionStatus} (metrics, readiness). */
  readonly onStatus?: (status: ProjectionStatus) => void;
  /**
   * Apply only while holding the projection's lease, taken on a connection of this pool: one instance of
   * a deployment applies, the others stand by (following the stored checkpoint, so `waitUntil` still
   * answers on them) and take over when it goes. Without it every instance applies every event.
   */
  readonly leaderPool?: Pool;
  /** How often a standby instance tries to take the lease over (default 2,000 ms). */
  readonly leaseRetryMs?: number;
}

/** `standby`: another instance holds the lease and applies; this one follows its stored checkpoint. */
export type ProjectionState = 'stopped' | 'starting' | 'running' | 'standby' | 'retrying' | 'failed';

export interface ProjectionStatus {
  readonly name: string;
  readonly schema: string;
  /** `retrying`: a transient failure, being retried; `failed`: stopped by a persistent one (see `lastError`). */
  readonly state: ProjectionState;
  /** Nothing more was visible in the store after the last batch (ready; lag ~0); on a standby, after the stored checkpoint. */
  readonly caughtUp: boolean;
  /** The checkpoint committed with the last applied batch (or loaded at start). */
  readonly checkpoint: Checkpoint | undefined;
  /** Events applied since the runner was created. */
  readonly eventsApplied: number;
  readonly lastAppliedAt?: Date;
  readonly lastError?: { readonly message: string; readonly transient: boolean; readonly at: Date };
}

/**
 * The stored checkpoint was not where this runner left it: another runner applied meanwhile (a lease
 * lost and taken over) or a rebuild swapped a fresh copy in. The batch is rolled back and the runner
 * resumes from the stored checkpoint.
 */
class CheckpointMoved extends Error {
  override readonly name = 'CheckpointMoved';

  constructor(
    projection: string,
    /** Where the stored checkpoint was: the runner resumes from it. */
    readonly stored: Checkpoint | undefined,
    expected: Checkpoint | undefined,
  ) {
    super(
      `projection ${projection}: stored checkpoint ${stored ?? 'none'}, this runner is at ${expected ?? 'the start'}`,
    );
  }
}

/** While standing by: how often the stored checkpoint is read with a `waitUntil` pending, and without. */
const STANDBY_WAITING_POLL_MS = 5;
const STANDBY_POLL_MS = 1_000;

/** Thrown by {@link ProjectionRunner.waitUntil} when the runner stopped on a persistent failure. */
export class ProjectionFailed extends Error {
  override readonly name = 'ProjectionFailed';
  constructor(
    readonly projection: string,
    override readonly cause: unknown,
  ) {
    super(`projection ${projection} stopped: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

interface Waiter {
  readonly target: Checkpoint | 'caught-up';
  resolve(): void;
  reject(error: unknown): void;
}

const REBUILD_SUFFIX = '__rebuild';
const PREVIOUS_SUFFIX = '__previous';

/**
 * Runs a {@link Projection}: subscribes from the stored checkpoint and, for each batch, in one
 * transaction, applies the events and stores the batch's checkpoint. A transient failure is retried
 * from the last committed checkpoint with backoff; a persistent one stops the runner (`state: 'failed'`)
 * until `start()` is called again.
 */
export class ProjectionRunner {
  readonly name: string;
  readonly schema: string;
  private state: ProjectionState = 'stopped';
  private caughtUp = false;
  private checkpoint: Checkpoint | undefined;
  private eventsApplied = 0;
  private lastAppliedAt: Date | undefined;
  private lastError: ProjectionStatus['lastError'];
  private failure: unknown;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private subscription: Subscription | undefined;
  /** Ends the current {@link sleep} early (a retry's back-off, or a standby's pause between looks). */
  private wakeFromSleep: (() => void) | undefined;
  private stopSignal = new AbortController();
  private rebuilding = false;
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.name = options.name;
    this.schema = options.schema ?? options.name;
    quoteIdent(this.schema);
    if (this.schema.length > 63 - REBUILD_SUFFIX.length) {
      throw new Error(`projection schema name too long to rebuild beside it: ${this.schema}`);
    }
  }

  /** Creates the schema, checkpoint table and the projection's tables, loads the checkpoint and starts following. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    this.stopSignal = new AbortController();
    this.failure = undefined;
    this.setState('starting');
    try {
      await this.prepare();
    } catch (error) {
      this.lastError = { message: errorMessage(error), transient: false, at: new Date() };
      this.fail(error);
      throw error;
    }
    this.loop = this.run().finally(() => {
      this.loop = undefined;
    });
  }

  /** Stops after the batch in progress (committed or rolled back whole). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    this.wakeFromSleep?.();
    const loop = this.loop;
    await Promise.all([this.subscription?.stop(), loop]);
    if (this.state !== 'failed') this.setState('stopped');
  }

  status(): ProjectionStatus {
    return {
      name: this.name,
      schema: this.schema,
      state: this.state,
      caughtUp: this.caughtUp,
      checkpoint: this.checkpoint,
      eventsApplied: this.eventsApplied,
      lastAppliedAt: this.lastAppliedAt,
      lastError: this.lastError,
    };
  }

  /**
   * How far the read model is behind the store (the lag gauges): the events after its checkpoint, and
   * the age of the oldest of them. Meaningful while stopped too: the events that pile up meanwhile.
   */
  lag(): Promise<{ events: number; seconds: number }> {
    return eventStoreLag(
      this.options.store,
      this.checkpoint,
      this.options.categories,
      this.options.eventTypes,
    );
  }

  /**
   * Read-your-writes: resolves once the read model includes everything up to `checkpoint` (take it from
   * the `AppendResult` of an append to a stream this projection reads). Rejects with
   * {@link ProjectionFailed} if the runner stops on a persistent failure, or after `timeoutMs`.
   */
  waitUntil(checkpoint: Checkpoint, options: { timeoutMs?: number } = {}): Promise<void> {
    return this.wait(checkpoint, options.timeoutMs ?? 10_000);
  }

  /** Resolves once the runner has applied everything visible in the store (see {@link ProjectionStatus.caughtUp}). */
  waitUntilCaughtUp(options: { timeoutMs?: number } = {}): Promise<void> {
    return this.wait('caught-up', options.timeoutMs ?? 30_000);
  }

  /**
   * Replays the whole history into a fresh copy of the projection and swaps it in:
   *
   * 1. drops any leftover `<schema>__rebuild` and builds the tables there (`setup`) with a checkpoint of
   *    its own, replaying from the beginning until caught up, while this runner keeps serving the old copy;
   * 2. stops this runner, and in one transaction renames `<schema>` away, renames `<schema>__rebuild` to
   *    `<schema>` and drops the old copy — readers see the old tables or the new ones, never a mix;
   * 3. restarts this runner (if it was running): it resumes from the rebuilt copy's checkpoint, so events
   *    appended after step 1 caught up are applied then.
   *
   * If the replay fails, the fresh copy is dropped, the live one is untouched and the error is thrown.
   */
  async rebuild(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.rebuilding) throw new Error(`projection ${this.name} is already being rebuilt`);
    this.rebuilding = true;
    const staging = `${this.schema}${REBUILD_SUFFIX}`;
    try {
      await this.options.pool.query(`drop schema if exists ${quoteIdent(staging)} cascade`);
      const builder = new ProjectionRunner({
        ...this.options,
        schema: staging,
        onStatus: undefined,
        leaderPool: undefined,
      });
      try {
        await builder.start();
        await builder.waitUntilCaughtUp({ timeoutMs: options.timeoutMs ?? 600_000 });
      } catch (error) {
        await builder.stop();
        await this.options.pool.query(`drop schema if exists ${quoteIdent(staging)} cascade`);
        throw error;
      }
      await builder.stop();

      const wasRunning = this.loop !== undefined;
      await this.stop();
      await this.swapIn(staging);
      this.checkpoint = await loadCheckpoint(this.options.pool, this.name, this.schema);
      this.caughtUp = false;
      this.options.logger?.info({ projection: this.name, checkpoint: this.checkpoint }, 'projection rebuilt');
      if (wasRunning) await this.start();
    } finally {
      this.rebuilding = false;
    }
  }

  private async prepare(): Promise<void> {
    await this.inTransaction(async (client) => {
      // Serialises set-up across instances: concurrent `create ... if not exists` can fail in PostgreSQL.
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [
        `roomledger.projection.${this.schema}`,
      ]);
      await client.query(`create schema if not exists ${quoteIdent(this.schema)}`);
      await ensureCheckpointTable(client, this.schema);
      await this.options.setup(client, this.context());
    });
    this.checkpoint = await loadCheckpoint(this.options.pool, this.name, this.schema);
    this.caughtUp = false;
  }

  private async run(): Promise<void> {
    const { leaderPool } = this.options;
    if (!leaderPool) return this.follow();
    while (!this.stopping) {
      const leading = new AbortController();
      const standby = this.standBy(leading.signal);
      const lease = await acquireLease(leaderPool, `projection:${this.schema}.${this.name}`, {
        signal: this.stopSignal.signal,
        retryMs: this.options.leaseRetryMs,
      });
      leading.abort();
      this.wakeFromSleep?.();
      await standby;
      if (!lease) return;
      try {
        // Where the last holder left off: the stored checkpoint, not what this instance last saw.
        this.checkpoint = await loadCheckpoint(this.options.pool, this.name, this.schema);
        this.caughtUp = false;
        this.options.logger?.info(
          { projection: this.name, checkpoint: this.checkpoint },
          'projection took the lease',
        );
        const stopOnLoss = (): void => void this.subscription?.stop();
        lease.lost.addEventListener('abort', stopOnLoss, { once: true });
        await this.follow(lease.lost);
        lease.lost.removeEventListener('abort', stopOnLoss);
        if (lease.lost.aborted) {
          this.options.logger?.warn({ projection: this.name }, 'projection lost its lease; standing by');
        }
      } catch (error) {
        this.options.logger?.warn(
          { projection: this.name, err: error },
          'projection could not start leading',
        );
        await this.sleep(this.options.leaseRetryMs ?? 2_000);
      } finally {
        await lease.release();
      }
      if (this.state === 'failed') return;
    }
  }

  /**
   * While another instance holds the lease: follows the checkpoint it stores, so waiters resolve here
   * too (read-your-writes on any instance), often while someone waits and about once a second otherwise.
   */
  private async standBy(until: AbortSignal): Promise<void> {
    this.setState('standby');
    while (!until.aborted && !this.stopping) {
      try {
        // Exactly the stored one (a rebuild's swap can move it back).
        this.checkpoint = await loadCheckpoint(this.options.pool, this.name, this.schema);
        // `caughtUp` as on the holder: the stored checkpoint has everything visible (one cheap read;
        // while only checkpoints are awaited, it is left until the next slow round).
        const waitsForCaughtUp = [...this.waiters].some((waiter) => waiter.target === 'caught-up');
        if (waitsForCaughtUp || this.waiters.size === 0) {
          this.caughtUp = (await this.lag()).events === 0;
        }
        this.notify();
      } catch (error) {
        this.lastError = { message: errorMessage(error), transient: true, at: new Date() };
      }
      if (until.aborted || this.stopping) break;
      await this.sleep(this.waiters.size > 0 ? STANDBY_WAITING_POLL_MS : STANDBY_POLL_MS);
    }
  }

  /** Subscribes from the checkpoint and applies batch after batch until stopped (or `until` aborts). */
  private async follow(until?: AbortSignal): Promise<void> {
    let failures = 0;
    this.setState('running');
    while (!this.stopping && !until?.aborted) {
      const subscription = this.options.store.subscribe({
        from: this.checkpoint,
        categories: this.options.categories,
        eventTypes: this.options.eventTypes,
        batchSize: this.options.batchSize,
      });
      this.subscription = subscription;
      try {
        for await (const batch of subscription) {
          if (this.stopping || until?.aborted) break;
          await this.applyBatch(batch, until !== undefined);
          if (failures > 0) {
            failures = 0;
            this.setState('running');
          }
        }
        if (!this.stopping && !until?.aborted) {
          throw new Error('the event store subscription ended unexpectedly');
        }
      } catch (error) {
        await subscription.stop().catch(() => undefined);
        if (this.stopping || until?.aborted) break;
        const moved = error instanceof CheckpointMoved;
        if (moved) {
          // Resume from where the stored checkpoint is, after the usual short back-off (another runner
          // still applying, say an instance of an older version during a deploy, would otherwise make
          // this loop spin).
          this.checkpoint = error.stored;
        }
        const transient = moved || (this.options.isTransient ?? isTransientDatabaseError)(error);
        this.lastError = { message: errorMessage(error), transient, at: new Date() };
        if (!transient) {
          this.options.logger?.error(
            { projection: this.name, err: error },
            'projection stopped on a persistent failure',
          );
          this.fail(error);
          return;
        }
        failures += 1;
        this.options.logger?.warn(
          { projection: this.name, err: error, failures },
          'projection retrying a transient failure',
        );
        this.setState('retrying');
        await this.sleep(
          backoffDelay(failures, {
            initialDelayMs: 100,
            maxDelayMs: 10_000,
            jitter: 0.2,
            ...this.options.retry,
          }),
        );
      } finally {
        this.subscription = undefined;
      }
    }
  }

  /**
   * `fenced` (the lease holder): the batch commits only if the stored checkpoint is still the one this
   * runner applied up to, moved first and locked for the transaction. A lease can be lost while a batch is
   * in flight and a rebuild can swap in a copy with an older checkpoint; either way nothing is applied on
   * a wrong base. A batch is three round trips, fenced or not: `begin` (with the fence), the projection's
   * statements (one, for the booking projection), and `commit` (with the store, unfenced).
   */
  private async applyBatch(batch: SubscriptionBatch, fenced: boolean): Promise<void> {
    const checkpoint = batch.checkpoint;
    // An empty batch moves the checkpoint only past events an `eventTypes` filter left out: stored too,
    // so a restart, a standby's lag and the next holder do not read them again.
    const moved = batch.events.length > 0 || compareCheckpoints(checkpoint, this.checkpoint) > 0;
    if (moved && checkpoint !== undefined) {
      const statements = fenced
        ? { withBegin: compareAndStoreCheckpointSql(this.name, this.checkpoint, checkpoint, this.schema) }
        : { withCommit: storeCheckpointSql(this.name, checkpoint, this.schema) };
      await this.inTransaction(async (client, fence) => {
        if (fence && !checkpointMoved(fence)) {
          const stored = await loadCheckpoint(client, this.name, this.schema);
          throw new CheckpointMoved(this.name, stored, this.checkpoint);
        }
        if (batch.events.length > 0) await this.options.apply(client, batch.events, this.context());
      }, statements);
      this.checkpoint = checkpoint;
      if (batch.events.length > 0) {
        this.eventsApplied += batch.events.length;
        this.lastAppliedAt = new Date();
      }
    }
    this.caughtUp = batch.caughtUp;
    this.notify();
  }

  /**
   * Runs `work` in a transaction on the projection's schema. `withBegin` and `withCommit`: one statement
   * each (no parameters) sent in the same round trip as `begin` and `commit`; `work` gets the result of
   * the first. The simple protocol runs every statement of a string without parameters, and skips the
   * rest of it after one fails.
   */
  private async inTransaction(
    work: (client: PoolClient, withBegin: QueryResult | undefined) => Promise<void>,
    statements: { readonly withBegin?: string; readonly withCommit?: string } = {},
  ): Promise<void> {
    const { withBegin, withCommit } = statements;
    const client = await this.options.pool.connect();
    let broken: Error | undefined;
    try {
      const begin = `begin; set local search_path to ${quoteIdent(this.schema)}, public`;
      const opened = await client.query(withBegin === undefined ? begin : `${begin}; ${withBegin}`);
      // Several statements in one string answer with one result each.
      await work(client, withBegin === undefined ? undefined : (opened as unknown as QueryResult[])[2]);
      await client.query(withCommit === undefined ? 'commit' : `${withCommit}; commit`);
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      // A connection that failed mid-transaction is discarded rather than returned in an unknown state.
      client.release(broken);
    }
  }

  private async swapIn(staging: string): Promise<void> {
    const live = quoteIdent(this.schema);
    const previous = quoteIdent(`${this.schema}${PREVIOUS_SUFFIX}`);
    await this.inTransaction(async (client) => {
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [
        `roomledger.projection.${this.schema}`,
      ]);
      await client.query(`drop schema if exists ${previous} cascade`);
      const { rowCount } = await client.query('select 1 from pg_namespace where nspname = $1', [this.schema]);
      if (rowCount) await client.query(`alter schema ${live} rename to ${previous}`);
      await client.query(`alter schema ${quoteIdent(staging)} rename to ${live}`);
      await client.query(`drop schema if exists ${previous} cascade`);
    });
  }

  private wait(target: Checkpoint | 'caught-up', timeoutMs: number): Promise<void> {
    if (this.reached(target)) return Promise.resolve();
    if (this.state === 'failed') return Promise.reject(new ProjectionFailed(this.name, this.failure));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const what = target === 'caught-up' ? 'catch up' : `reach ${target}`;
        reject(
          new Error(
            `projection ${this.name} did not ${what} within ${timeoutMs} ms (at ${this.checkpoint ?? 'the start'})`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
      // A standby runner looks at the stored checkpoint often while someone waits (a retry keeps its back-off).
      if (this.state === 'standby') this.wakeFromSleep?.();
    });
  }

  private reached(target: Checkpoint | 'caught-up'): boolean {
    return target === 'caught-up' ? this.caughtUp : compareCheckpoints(this.checkpoint, target) >= 0;
  }

  private notify(): void {
    for (const waiter of this.waiters) {
      if (this.reached(waiter.target)) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
    this.options.onStatus?.(this.status());
  }

  private fail(error: unknown): void {
    this.failure = error;
    this.setState('failed');
    for (const waiter of this.waiters) waiter.reject(new ProjectionFailed(this.name, error));
    this.waiters.clear();
  }

  private setState(state: ProjectionState): void {
    this.state = state;
    this.options.onStatus?.(this.status());
  }

  private context(): ProjectionContext {
    return { name: this.name, schema: this.schema };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeFromSleep === done) this.wakeFromSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeFromSleep = done;
    });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
