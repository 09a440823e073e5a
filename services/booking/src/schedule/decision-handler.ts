import { trace, type Attributes } from '@opentelemetry/api';
import type { CommandMetadata, Decider } from '@roomledger/booking-domain';
import {
  WrongExpectedVersion,
  appendDecision,
  type Checkpoint,
  type EventMetadata,
  type EventStore,
} from '@roomledger/event-store';
import { backoffDelay, type Backoff } from '@roomledger/retry';

/** An aggregate as last seen: the folded state and the stream revision it was folded up to. */
export interface Loaded<S> {
  readonly state: S;
  /** -1n: the stream does not exist yet. */
  readonly revision: bigint;
}

export interface StreamDecision<E, S> extends Loaded<S> {
  /** What the decision appended (empty: nothing to do, an idempotent repeat). */
  readonly events: readonly E[];
  /** The stream revision of the first appended event. */
  readonly firstRevision: bigint;
  /** 1 + the number of re-decisions after losing a race to another instance. */
  readonly attempts: number;
  /** Where the append landed (read-your-writes for projections); absent when nothing was appended. */
  readonly checkpoint?: Checkpoint;
}

export interface DecisionContext {
  /** Stored with every event; the relay restores the trace from it. */
  readonly metadata?: EventMetadata;
  /**
   * A precondition on the stream's revision, checked with the decision (e.g. If-Match on an aggregate
   * whose version is its stream revision + 1); throws a refusal like the decider does.
   */
  readonly expectRevision?: (revision: bigint) => void;
}

export interface DecisionHandlerOptions {
  /** Decisions tried per command before giving up on a hot stream (default 12). */
  readonly maxAttempts?: number;
  /** Back-off between re-decisions: small, jittered (default 2 ms doubling to 50 ms, fully jittered). */
  readonly retry?: Backoff;
  /** Save a snapshot when a stream has grown this many events past the last one (default 500). */
  readonly snapshotEvery?: number;
  /** Aggregates whose folded state is kept in memory (default 10,000). */
  readonly cacheSize?: number;
  readonly onConflict?: (id: string, attempt: number) => void;
  readonly onSnapshotError?: (id: string, error: unknown) => void;
}

/** Thrown when a stream stayed contended for every attempt; the caller answers "try again". */
export class StreamContended extends Error {
  constructor(
    readonly streamName: string,
    readonly attempts: number,
  ) {
    super(`${streamName} changed under ${attempts} decisions in a row`);
    this.name = 'StreamContended';
  }
}

/** What makes a handler for one kind of aggregate: its decider, its stream names, its snapshot format. */
export interface AggregateDefinition<C, E, S> {
  readonly decider: Decider<C, E, S>;
  readonly streamOf: (id: string) => string;
  /**
   * Bump when the state's shape or its snapshot encoding changes: older snapshots are then ignored and
   * the stream is re-read.
   */
  readonly snapshotFormat: number;
  /** How a state is written into a snapshot and read back (default: as it is, for plain-JSON states). */
  readonly snapshotCodec?: SnapshotCodec<S>;
  /** The error thrown when every attempt lost its race (default {@link StreamContended}). */
  readonly contended?: (id: string, attempts: number) => Error;
  /** What names the aggregate and the command on the request's span (ids only, never personal data). */
  readonly spanAttributes?: (id: string, command: C) => Attributes;
}

/**
 * Both ends of a snapshot's trip through JSON (the stores write `JSON.stringify` of it): whatever the
 * state holds that JSON cannot (a Map is written as `{}`) is encoded by `toSnapshot` and rebuilt by
 * `fromSnapshot`, so that a state read from a snapshot decides exactly like one folded from the stream.
 */
export interface SnapshotCodec<S> {
  readonly toSnapshot: (state: S) => unknown;
  /** What `toSnapshot` wrote, as JSON gives it back; only ever given snapshots of the current format. */
  readonly fromSnapshot: (json: unknown) => S;
}

/** For states that are plain JSON already. */
const asItIs = <S>(): SnapshotCodec<S> => ({
  toSnapshot: (state) => state,
  fromSnapshot: (json) => json as S,
});

interface SnapshotBody {
  readonly format: number;
  /** The state as the aggregate's {@link SnapshotCodec} wrote it. */
  readonly state: unknown;
}

type DeciderCommand = { readonly metadata: CommandMetadata };
type DeciderEvent = { readonly type: string; readonly data: unknown };

/**
 * The command handler of an event-sourced aggregate: load (cached state, read forward from its
 * revision unless the append itself can prove it current) → decide → append with the revision the
 * decision was made on. Losing the race to another instance (`WrongExpectedVersion`) re-reads and
 * re-decides, a bounded number of times with jitter. Commands for one aggregate are processed one
 * after another inside this instance, so it never races itself.
 *
 * Event ids derive from the command id, so a command sent again appends nothing twice: if its first
 * decision was appended, the store answers the re-append as the same success; if the state moved on
 * since, the decider sees its effect already there and answers with nothing to do or a refusal.
 */
export class DecisionHandler<C extends DeciderCommand, E extends DeciderEvent, S> {
  private readonly cache = new Map<string, Loaded<S>>();
  private readonly snapshotAt = new Map<string, bigint>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly maxAttempts: number;
  private readonly retry: Backoff;
  private readonly snapshotEvery: number;
  private readonly cacheSize: number;
  private readonly snapshotCodec: SnapshotCodec<S>;

  constructor(
    private readonly store: EventStore,
    private readonly aggregate: AggregateDefinition<C, E, S>,
    private readonly options: DecisionHandlerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 12;
    this.retry = options.retry ?? { initialDelayMs: 2, maxDelayMs: 50, jitter: 1 };
    this.snapshotEvery = options.snapshotEvery ?? 500;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.snapshotCodec = aggregate.snapshotCodec ?? asItIs();
  }

  /** Decides `command` for the aggregate and appends what it decided. Domain refusals are thrown as they are. */
  handle(id: string, command: C, context: DecisionContext = {}): Promise<StreamDecision<E, S>> {
    const progress = { conflicts: 0 };
    const annotate = (outcome: string) =>
      trace.getActiveSpan()?.setAttributes({
        ...this.aggregate.spanAttributes?.(id, command),
        'roomledger.decision.outcome': outcome,
        'roomledger.decision.conflict_retries': progress.conflicts,
      });
    return this.serialized(id, () => this.decideAndAppend(id, command, context, progress)).then(
      (decision) => {
        annotate(decision.events.length > 0 ? 'appended' : 'unchanged');
        return decision;
      },
      (error: unknown) => {
        annotate(outcomeOf(error));
        throw error;
      },
    );
  }

  /**
   * The aggregate as of now (cache + read forward). Queries use it where a read model's lag would
   * matter (availability, alternatives, the decision's own reply).
   */
  load(id: string): Promise<Loaded<S>> {
    return this.serialized(id, () => this.refresh(id));
  }

  private async decideAndAppend(
    id: string,
    command: C,
    context: DecisionContext,
    progress: { conflicts: number },
  ): Promise<StreamDecision<E, S>> {
    const { decider } = this.aggregate;
    const stream = this.aggregate.streamOf(id);
    // A cached state is decided on without reading the stream first: the append's expected revision
    // proves it current (the common case, one round trip). Only what is never appended, a refusal or
    // "nothing to do", is re-checked against the stream before it is answered.
    let loaded = this.cache.get(id);
    let verified = false;
    if (!loaded) {
      loaded = await this.refresh(id);
      verified = true;
    }
    for (let attempt = 1; ; attempt += 1) {
      let events: E[];
      try {
        context.expectRevision?.(loaded.revision);
        events = decider.decide(command, loaded.state);
      } catch (refusal) {
        if (verified) throw refusal;
        loaded = await this.refresh(id);
        verified = true;
        continue;
      }
      if (events.length === 0) {
        if (verified) return { ...loaded, events, firstRevision: loaded.revision + 1n, attempts: attempt };
        loaded = await this.refresh(id);
        verified = true;
        continue;
      }
      try {
        const result = await appendDecision(this.store, stream, events, {
          revision: loaded.revision,
          commandId: command.metadata.commandId,
          actorId: command.metadata.actor.userId,
          metadata: context.metadata,
        });
        if (result === 'already_applied') {
          const current = await this.refresh(id);
          return { ...current, events: [], firstRevision: current.revision + 1n, attempts: attempt };
        }
        const state = events.reduce(decider.evolve, loaded.state);
        const next: Loaded<S> = { state, revision: result.nextExpectedRevision };
        this.remember(id, next);
        this.maybeSnapshot(id, next);
        return {
          ...next,
          events,
          firstRevision: result.nextExpectedRevision - BigInt(events.length) + 1n,
          attempts: attempt,
          checkpoint: result.checkpoint,
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion)) throw error;
        progress.conflicts += 1;
        this.options.onConflict?.(id, attempt);
        if (attempt >= this.maxAttempts)
          throw this.aggregate.contended?.(id, attempt) ?? new StreamContended(stream, attempt);
        await sleep(backoffDelay(attempt, this.retry));
        loaded = await this.refresh(id);
        verified = true;
      }
    }
  }

  /** Cached state read forward to the stream's end; from the latest snapshot when nothing is cached. */
  private async refresh(id: string): Promise<Loaded<S>> {
    const { decider, snapshotFormat } = this.aggregate;
    const stream = this.aggregate.streamOf(id);
    let loaded = this.cache.get(id);
    if (!loaded) {
      const snapshot = await this.store.loadSnapshot<SnapshotBody>(stream);
      loaded =
        snapshot && snapshot.state.format === snapshotFormat
          ? { state: this.snapshotCodec.fromSnapshot(snapshot.state.state), revision: snapshot.revision }
          : { state: decider.initialState(), revision: -1n };
      if (snapshot) this.snapshotAt.set(id, snapshot.revision);
    }
    let { state, revision } = loaded;
    for await (const event of this.store.readStream<E>(stream, { from: revision + 1n })) {
      state = decider.evolve(state, { type: event.type, data: event.data } as E);
      revision = event.revision;
    }
    const current = { state, revision };
    this.remember(id, current);
    return current;
  }

  private remember(id: string, loaded: Loaded<S>): void {
    this.cache.delete(id); // re-insert: Map order is recency order
    this.cache.set(id, loaded);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }

  private maybeSnapshot(id: string, loaded: Loaded<S>): void {
    const last = this.snapshotAt.get(id) ?? -1n;
    if (loaded.revision - last < BigInt(this.snapshotEvery)) return;
    this.snapshotAt.set(id, loaded.revision);
    const body: SnapshotBody = {
      format: this.aggregate.snapshotFormat,
      state: this.snapshotCodec.toSnapshot(loaded.state),
    };
    this.store
      .saveSnapshot(this.aggregate.streamOf(id), loaded.revision, body)
      .catch((error: unknown) => this.options.onSnapshotError?.(id, error));
  }

  /** Runs `work` after everything queued before it for the same aggregate, within this instance. */
  private serialized<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return run;
  }
}

/** A refusal's code (`slot_taken`), `contended`, or `error` for anything unexpected. */
function outcomeOf(error: unknown): string {
  if (error instanceof StreamContended) return 'contended';
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
