import {
  assertBatchSize,
  assertCategories,
  assertEventTypes,
  compareCheckpoints,
  assertReadFrom,
  assertStreamName,
  categoryOf,
  decodeCheckpoint,
  encodeCheckpoint,
  eventTypeMatches,
  normalizeLimit,
  prepareAppend,
  type AppendOptions,
  type AppendResult,
  type Checkpoint,
  type EventLike,
  type EventStore,
  type EventTypeFilter,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type StreamState,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionBatch,
} from '@roomledger/event-store';
import { Pool } from 'pg';
import { AppendSignal, type AppendInterest, type AppendWatch } from './append-signal';
import { GroupCommit } from './group-commit';
import { assertSchemaName, migrate, quoteIdent } from './migrations';

export interface PostgresEventStoreOptions {
  readonly connectionString: string;
  /** Schema holding the store's tables (default `event_store`). */
  readonly schema?: string;
  /** Connections in the store's pool (default 10). */
  readonly poolSize?: number;
  /**
   * Server-side limit for a connection idle inside a transaction (default 10 s). An open transaction
   * anywhere on the server holds back every subscriber, so a forgotten one must not live long.
   */
  readonly idleInTransactionTimeoutMs?: number;
  /** Subscribers re-read at least this often when nothing woke them (default 250 ms). */
  readonly pollIntervalMs?: number;
  /** Cross-process wake-ups: at most one NOTIFY per this many ms after appends (default 20; -1 = none). */
  readonly notifyCoalesceMs?: number;
  /**
   * Group commit: append statements in flight at once (default 2). Appends that arrive while all are
   * busy go together in one statement and one commit; see {@link GroupCommit}.
   */
  readonly appendLanes?: number;
  /** Events per read round trip (default 500). */
  readonly batchSize?: number;
  /**
   * Caught-up subscriptions read at most this often (default 0: at every wake-up). A few tens of ms
   * trade that much read-model latency for fewer, larger batches when appends never stop.
   */
  readonly liveReadIntervalMs?: number;
  readonly applicationName?: string;
}

interface EventRow {
  /** Only in filtered reads: true on the one row that is not an event but the head of the filtered categories. */
  head?: boolean;
  /** Only in `$all` pages: whether committed events wait behind the page's horizon. */
  pending?: boolean | null;
  global_position: string;
  transaction_id: string;
  stream_name: string;
  revision: string;
  event_id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  created_at: Date;
}

const EVENT_COLUMNS = `e.global_position, e.transaction_id::text as transaction_id, e.stream_name, e.revision,
  e.event_id, e.type, e.data, e.metadata, e.created_at`;

/** Upper bound of a revision or position when a read has none. */
const MAX_BIGINT = (1n << 63n) - 1n;

/**
 * The PostgreSQL event store. Create it with {@link PostgresEventStore.create}, which applies the
 * schema's migrations first. See the README for the design (locking, gap-safe `$all`, checkpoints).
 */
export class PostgresEventStore implements EventStore {
  private readonly s: string;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  private constructor(
    /** The store's own pool; exposed for health checks. */
    readonly pool: Pool,
    readonly schema: string,
    private readonly signal: AppendSignal,
    private readonly pollIntervalMs: number,
    private readonly batchSize: number,
    private readonly groupCommit: GroupCommit,
    private readonly liveReadIntervalMs: number,
  ) {
    this.s = quoteIdent(schema);
  }

  static async create(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema ?? 'event_store';
    assertSchemaName(schema);
    const batchSize = options.batchSize ?? 500;
    assertBatchSize(batchSize);
    const pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 10_000,
      application_name: options.applicationName ?? 'roomledger-event-store',
    });
    // An idle pooled connection that dies (server restart) must not crash the process.
    pool.on('error', () => undefined);
    try {
      await migrate(pool, schema);
    } catch (error) {
      await pool.end();
      throw error;
    }
    const signal = new AppendSignal(
      pool,
      options.connectionString,
      `roomledger_event_store_${schema}`,
      options.notifyCoalesceMs ?? 20,
    );
    const groupCommit = new GroupCommit(pool, schema, {
      lanes: options.appendLanes ?? 2,
      maxAppends: 64,
      maxEvents: 1_000,
    });
    return new PostgresEventStore(
      pool,
      schema,
      signal,
      options.pollIntervalMs ?? 250,
      batchSize,
      groupCommit,
      options.liveReadIntervalMs ?? 0,
    );
  }

  async append<E extends EventLike>(
    streamName: string,
    events: readonly NewEvent<E>[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const expected = options.expected ?? 'any';
    const prepared = prepareAppend(streamName, events, expected);
    const result = await this.groupCommit.append({ streamName, events: prepared, expected });
    this.signal.appended(
      streamName,
      prepared.map((event) => event.type),
    );
    return result;
  }

  /**
   * The checkpoint of the last committed event, whether or not subscribers may see it yet (`undefined`:
   * the store is empty). A read model that has reached it reflects every append that returned before
   * this call, on any instance: what read-your-writes waits for. With `categories`, the last of those.
   */
  async headCheckpoint(categories?: readonly string[]): Promise<Checkpoint | undefined> {
    if (categories) assertCategories(categories);
    const { rows } = await this.pool.query<{ transaction_id: string; global_position: string }>(
      categories
        ? `select transaction_id::text as transaction_id, global_position from ${this.s}.events
            where category = any($1) order by transaction_id desc, global_position desc limit 1`
        : `select transaction_id::text as transaction_id, global_position from ${this.s}.events
            order by transaction_id desc, global_position desc limit 1`,
      categories ? [categories] : [],
    );
    return rows[0]
      ? encodeCheckpoint({ major: BigInt(rows[0].transaction_id), minor: BigInt(rows[0].global_position) })
      : undefined;
  }

  async streamState(streamName: string): Promise<StreamState> {
    assertStreamName(streamName);
    const { rows } = await this.pool.query<{ revision: string }>(
      `select revision from ${this.s}.streams where stream_name = $1`,
      [streamName],
    );
    return rows.length === 0 ? 'no_stream' : BigInt(rows[0].revision);
  }

  async *readStream<E extends EventLike = EventLike>(
    streamName: string,
    options: ReadStreamOptions = {},
  ): AsyncGenerator<RecordedEvent<E>> {
    assertStreamName(streamName);
    assertReadFrom(options.from);
    const backwards = options.direction === 'backwards';
    const batchSize = options.batchSize ?? this.batchSize;
    assertBatchSize(batchSize);
    let remaining = normalizeLimit(options.limit) ?? MAX_BIGINT;
    const from = options.from ?? (backwards ? 'end' : 'start');
    let next = from === 'start' ? 0n : from === 'end' ? MAX_BIGINT : from;
    if (from === 'end' && !backwards) return;
    const text = backwards
      ? `select ${EVENT_COLUMNS} from ${this.s}.events e
         where e.stream_name = $1 and e.revision <= $2 order by e.revision desc limit $3`
      : `select ${EVENT_COLUMNS} from ${this.s}.events e
         where e.stream_name = $1 and e.revision >= $2 order by e.revision limit $3`;
    while (remaining > 0n && next >= 0n) {
      const limit = remaining < BigInt(batchSize) ? Number(remaining) : batchSize;
      const { rows } = await this.pool.query<EventRow>({
        name: `roomledger_event_store_read_${backwards ? 'backwards' : 'forwards'}_${this.schema}`,
        text,
        values: [streamName, next.toString(), limit],
      });
      for (const row of rows) yield toRecordedEvent<E>(row);
      if (rows.length < limit) return;
      remaining -= BigInt(rows.length);
      const last = BigInt(rows[rows.length - 1].revision);
      next = backwards ? last - 1n : last + 1n;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    assertCategories(options.categories);
    assertEventTypes(options.eventTypes, options.categories);
    const batchSize = options.batchSize ?? this.batchSize;
    assertBatchSize(batchSize);
    let remaining = normalizeLimit(options.limit) ?? MAX_BIGINT;
    let after = options.from;
    while (remaining > 0n) {
      const limit = remaining < BigInt(batchSize) ? Number(remaining) : batchSize;
      const { events } = await this.readAllPage(after, options.categories, options.eventTypes, limit);
      yield* events;
      if (events.length < limit) return;
      remaining -= BigInt(events.length);
      after = events[events.length - 1].checkpoint;
    }
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    assertCategories(options.categories);
    assertEventTypes(options.eventTypes, options.categories);
    const batchSize = options.batchSize ?? this.batchSize;
    assertBatchSize(batchSize);
    if (this.closed) throw new Error('the event store is closed');
    const watch = this.signal.watch(appendInterest(options.categories, options.eventTypes));
    const subscription = new PostgresSubscription(
      (after, limit) => this.readAllPage(after, options.categories, options.eventTypes, limit),
      watch,
      {
        from: options.from,
        batchSize,
        pollIntervalMs: this.pollIntervalMs,
        liveReadIntervalMs: this.liveReadIntervalMs,
        signal: options.signal,
      },
      () => {
        watch.close();
        this.subscriptions.delete(subscription);
      },
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async saveSnapshot(streamName: string, revision: bigint, state: unknown): Promise<void> {
    assertStreamName(streamName);
    // A slower writer's older snapshot never replaces a newer one.
    await this.pool.query(
      `insert into ${this.s}.snapshots as s (stream_name, revision, state) values ($1, $2, $3::jsonb)
       on conflict (stream_name) do update set revision = excluded.revision, state = excluded.state, created_at = now()
       where s.revision <= excluded.revision`,
      [streamName, revision.toString(), JSON.stringify(state)],
    );
  }

  async loadSnapshot<S = unknown>(streamName: string): Promise<Snapshot<S> | undefined> {
    assertStreamName(streamName);
    const { rows } = await this.pool.query<{ revision: string; state: S; created_at: Date }>(
      `select revision, state, created_at from ${this.s}.snapshots where stream_name = $1`,
      [streamName],
    );
    if (rows.length === 0) return undefined;
    return {
      streamName,
      revision: BigInt(rows[0].revision),
      state: rows[0].state,
      createdAt: rows[0].created_at,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.signal.close();
    await this.pool.end();
  }

  /**
   * One page of `$all` after `after`, in (transaction id, position) order, holding only rows of
   * transactions older than the oldest one still running: those are final, so no later commit can
   * land before the page's end. Categories are read one index range each (lateral) and merged.
   *
   * The same statement (the same snapshot, hence the same horizon) says whether committed rows wait
   * behind that horizon (`pending`): a longer transaction is still open, and they become readable as
   * soon as it ends. A separate query for it after every live read was a round trip of its own.
   *
   * With `eventTypes`, rows of other types never leave the server, and the same statement finds the last
   * final event of the filtered categories: when the page is not full, every event kept up to it is in the
   * page, so the page's checkpoint moves there.
   */
  private async readAllPage(
    after: Checkpoint | undefined,
    categories: readonly string[] | undefined,
    eventTypes: EventTypeFilter | undefined,
    limit: number,
  ): Promise<AllPage> {
    const values: unknown[] = [limit];
    let afterCondition = '';
    if (after !== undefined) {
      const { major, minor } = decodeCheckpoint(after);
      values.push(major.toString(), minor.toString());
      afterCondition = `and (e.transaction_id, e.global_position) > ($2::text::xid8, $3::bigint)`;
    }
    const horizon = `e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;
    if (eventTypes !== undefined) {
      return this.readFilteredPage(after, afterCondition, horizon, values, categories, eventTypes, limit);
    }
    let page: string;
    if (categories === undefined) {
      page = `select ${EVENT_COLUMNS}, e.transaction_id as xid from ${this.s}.events e
        where ${horizon} ${afterCondition}
        order by e.transaction_id, e.global_position limit $1`;
    } else {
      values.push(categories);
      page = `select e.* from unnest($${values.length}::text[]) c(category)
        cross join lateral (
          select ${EVENT_COLUMNS}, e.transaction_id as xid from ${this.s}.events e
          where e.category = c.category and ${horizon} ${afterCondition}
          order by e.transaction_id, e.global_position limit $1
        ) e
        order by e.xid, e.global_position limit $1`;
    }
    // One row with nulls and `pending` when the page is empty.
    const text = `select p.*, f.pending from (${this.pendingQuery()}) f
      left join lateral (${page}) p on true
      order by p.xid, p.global_position`;
    const name = `roomledger_event_store_all_${after === undefined ? 'start' : 'after'}_${categories === undefined ? 'all' : 'categories'}_${this.schema}`;
    const { rows } = await this.pool.query<EventRow>({ name, text, values });
    const events = rows.filter((row) => row.event_id !== null).map((row) => toRecordedEvent(row));
    return {
      events,
      checkpoint: events.length > 0 ? events[events.length - 1].checkpoint : after,
      pending: rows[0].pending === true,
    };
  }

  /** {@link readAllPage} with an event-type filter: the kept events, and a checkpoint past the others. */
  private async readFilteredPage(
    after: Checkpoint | undefined,
    afterCondition: string,
    horizon: string,
    values: unknown[],
    categories: readonly string[] | undefined,
    eventTypes: EventTypeFilter,
    limit: number,
  ): Promise<AllPage> {
    values.push(JSON.stringify(eventTypes));
    const filter = `$${values.length}::jsonb`;
    let page: string;
    if (categories === undefined) {
      page = `select ${EVENT_COLUMNS}, e.transaction_id as xid from ${this.s}.events e
        where ${horizon} ${afterCondition}
          and (not ${filter} ? e.category or (${filter} -> e.category) ? e.type)
        order by e.transaction_id, e.global_position limit $1`;
    } else {
      values.push(categories);
      page = `select e.* from unnest($${values.length}::text[]) c(category)
        cross join lateral (select ${filter} -> c.category as types) t
        cross join lateral (
          select ${EVENT_COLUMNS}, e.transaction_id as xid from ${this.s}.events e
          where e.category = c.category and ${horizon} ${afterCondition}
            and (t.types is null or t.types ? e.type)
          order by e.transaction_id, e.global_position limit $1
        ) e
        order by e.xid, e.global_position limit $1`;
    }
    // The last final event of each filtered category, one step down its index range.
    const headQuery = `select h.xid, h.global_position from jsonb_object_keys(${filter}) k(category)
      cross join lateral (
        select e.transaction_id as xid, e.global_position from ${this.s}.events e
        where e.category = k.category and ${horizon}
        order by e.transaction_id desc, e.global_position desc limit 1
      ) h
      order by h.xid desc, h.global_position desc limit 1`;
    // The events, then always one more row: the head (null when the categories have no final event)
    // and `pending`.
    const text = `with page as (${page}), head as (${headQuery})
      select false as head, p.global_position, p.transaction_id, p.stream_name, p.revision, p.event_id,
        p.type, p.data, p.metadata, p.created_at, p.xid, null::boolean as pending from page p
      union all
      select true, h.global_position, h.xid::text, null, null, null, null, null, null, null, h.xid, f.pending
        from (${this.pendingQuery()}) f left join head h on true
      order by 1, 11, 2`;
    const name = `roomledger_event_store_all_${after === undefined ? 'start' : 'after'}_${categories === undefined ? 'all' : 'categories'}_types_${this.schema}`;
    const { rows } = await this.pool.query<EventRow>({ name, text, values });
    const events: RecordedEvent[] = [];
    let head: Checkpoint | undefined;
    let pending = false;
    for (const row of rows) {
      if (!row.head) {
        events.push(toRecordedEvent(row));
        continue;
      }
      pending = row.pending === true;
      if (row.transaction_id !== null) {
        head = encodeCheckpoint({ major: BigInt(row.transaction_id), minor: BigInt(row.global_position) });
      }
    }
    let checkpoint = events.length > 0 ? events[events.length - 1].checkpoint : after;
    if (events.length < limit && head !== undefined && compareCheckpoints(head, checkpoint) > 0) {
      checkpoint = head;
    }
    return { events, checkpoint, pending };
  }

  /**
   * Whether committed events wait behind the horizon, as a subquery of a page read. max() is always one
   * step down the primary key's index. The equivalent `exists (... where transaction_id >= xmin)` was
   * planned as a sequential scan whenever the table had no statistics yet (a fresh or fast-growing
   * table), and a scan that finds nothing reads every row, on every poll.
   */
  private pendingQuery(): string {
    return `select coalesce(max(x.transaction_id) >= pg_snapshot_xmin(pg_current_snapshot()), false) as pending
      from ${this.s}.events x`;
  }
}

/** A page of `$all`: its events, the checkpoint it reaches, whether committed events wait behind the horizon. */
interface AllPage {
  readonly events: RecordedEvent[];
  readonly checkpoint: Checkpoint | undefined;
  readonly pending: boolean;
}

interface PostgresSubscriptionOptions {
  readonly from: Checkpoint | undefined;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly liveReadIntervalMs: number;
  readonly signal: AbortSignal | undefined;
}

/** Polls pages of `$all` after its checkpoint; sleeps until woken, or the poll interval, when caught up. */
class PostgresSubscription implements Subscription {
  private stopped = false;
  private iterator: AsyncGenerator<SubscriptionBatch> | undefined;
  private readonly stopWaiting = new AbortController();

  constructor(
    private readonly readPage: (after: Checkpoint | undefined, limit: number) => Promise<AllPage>,
    private readonly appended: AppendWatch,
    private readonly options: PostgresSubscriptionOptions,
    private readonly onEnd: () => void,
  ) {}

  [Symbol.asyncIterator](): AsyncGenerator<SubscriptionBatch> {
    if (this.iterator) throw new Error('a subscription can be iterated only once');
    this.iterator = this.batches();
    return this.iterator;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWaiting.abort();
    // A generator that never started runs no `finally`: forget the subscription here as well.
    await this.iterator?.return(undefined);
    this.onEnd();
  }

  private async *batches(): AsyncGenerator<SubscriptionBatch> {
    const { batchSize, pollIntervalMs, liveReadIntervalMs, signal } = this.options;
    const onAbort = (): void => void this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    let checkpoint = this.options.from;
    let caughtUpReported = false;
    let backoffMs = 5;
    try {
      while (!this.stopped && !signal?.aborted) {
        // Armed before reading, so an append committed during the read or the consumer's work wakes us.
        this.appended.arm();
        const readAt = performance.now();
        const page = await this.readPage(checkpoint, batchSize);
        if (this.stopped) return;
        const { events } = page;
        if (events.length > 0) {
          checkpoint = page.checkpoint;
          const caughtUp = events.length < batchSize;
          caughtUpReported ||= caughtUp;
          backoffMs = 5;
          yield { events, checkpoint, caughtUp };
          if (!caughtUp) continue;
        } else if (page.checkpoint !== checkpoint) {
          // Only events an event-type filter left out: move past them all the same.
          checkpoint = page.checkpoint;
          caughtUpReported = true;
          yield { events: [], checkpoint, caughtUp: true };
        } else if (!caughtUpReported) {
          caughtUpReported = true;
          yield { events: [], checkpoint, caughtUp: true };
        }
        if (this.stopped) return;
        // Committed rows behind the horizon become readable as soon as the older transaction ends, which
        // nothing announces: re-read at the next append or soon, backing off, not at the next poll.
        // (Under a stream of appends that is nearly every read, and the next append comes first.)
        if (page.pending) {
          await this.waitForAppend(backoffMs);
          backoffMs = Math.min(backoffMs * 2, pollIntervalMs);
        } else {
          backoffMs = 5;
          await this.waitForAppend(pollIntervalMs);
        }
        // Live, read at most every liveReadIntervalMs: under a stream of appends, fewer and larger batches.
        const sinceRead = performance.now() - readAt;
        if (liveReadIntervalMs > sinceRead) await this.sleep(liveReadIntervalMs - sinceRead);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.stopped = true;
      this.onEnd();
    }
  }

  private waitForAppend(timeoutMs: number): Promise<void> {
    if (this.stopWaiting.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const stop = (): void => resolve();
      this.stopWaiting.signal.addEventListener('abort', stop, { once: true });
      void this.appended.wait(timeoutMs).then(() => {
        this.stopWaiting.signal.removeEventListener('abort', stop);
        resolve();
      });
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const stopSignal = this.stopWaiting.signal;
      function done(): void {
        clearTimeout(timer);
        stopSignal.removeEventListener('abort', done);
        resolve();
      }
      stopSignal.addEventListener('abort', done, { once: true });
    });
  }
}

/** Which appends wake a subscription: those it would read (`undefined`: every append). */
function appendInterest(
  categories: readonly string[] | undefined,
  eventTypes: EventTypeFilter | undefined,
): AppendInterest | undefined {
  if (categories === undefined && eventTypes === undefined) return undefined;
  return (streamName, type) =>
    (categories === undefined || categories.includes(categoryOf(streamName))) &&
    eventTypeMatches(streamName, type, eventTypes);
}

function toRecordedEvent<E extends EventLike = EventLike>(row: EventRow): RecordedEvent<E> {
  const position = BigInt(row.global_position);
  return {
    eventId: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    streamName: row.stream_name,
    revision: BigInt(row.revision),
    position,
    checkpoint: encodeCheckpoint({ major: BigInt(row.transaction_id), minor: position }),
    createdAt: row.created_at,
  } as unknown as RecordedEvent<E>;
}
