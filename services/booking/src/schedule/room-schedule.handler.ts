import {
  roomSchedule,
  type RoomScheduleCommand,
  type RoomScheduleEvent,
  type RoomScheduleState,
} from '@roomledger/booking-domain';
import {
  WrongExpectedVersion,
  appendDecision,
  type EventMetadata,
  type EventStore,
} from '@roomledger/event-store';
import { backoffDelay, type Backoff } from '@roomledger/retry';

/** The stream holding one room's schedule: the consistency boundary. */
export const roomScheduleStream = (roomId: string): string => `roomSchedule-${roomId}`;

/** A room's schedule as last seen: the folded state and the stream revision it was folded up to. */
export interface LoadedSchedule {
  readonly state: RoomScheduleState;
  /** -1n: the stream does not exist yet. */
  readonly revision: bigint;
}

export interface Decision extends LoadedSchedule {
  /** What the decision appended (empty: nothing to do, an idempotent repeat). */
  readonly events: readonly RoomScheduleEvent[];
  /** The stream revision of the first appended event. */
  readonly firstRevision: bigint;
  /** 1 + the number of re-decisions after losing a race to another instance. */
  readonly attempts: number;
}

export interface DecisionContext {
  /** Stored with every event; the relay restores the trace from it. */
  readonly metadata?: EventMetadata;
}

export interface RoomScheduleHandlerOptions {
  /** Decisions tried per command before giving up on a hot room (default 12). */
  readonly maxAttempts?: number;
  /** Back-off between re-decisions: small, jittered (default 2 ms doubling to 50 ms, fully jittered). */
  readonly retry?: Backoff;
  /** Save a snapshot when a room's stream has grown this many events past the last one (default 500). */
  readonly snapshotEvery?: number;
  /** Rooms whose folded state is kept in memory (default 10,000). */
  readonly cacheSize?: number;
  readonly onConflict?: (roomId: string, attempt: number) => void;
  readonly onSnapshotError?: (roomId: string, error: unknown) => void;
}

/** Thrown when a room stayed contended for every attempt; the caller answers "try again". */
export class RoomContended extends Error {
  constructor(
    readonly roomId: string,
    readonly attempts: number,
  ) {
    super(`room ${roomId} changed under ${attempts} decisions in a row`);
    this.name = 'RoomContended';
  }
}

/** Bump when the state's shape changes: older snapshots are then ignored and the stream is re-read. */
const SNAPSHOT_FORMAT = 1;
interface SnapshotBody {
  readonly format: number;
  readonly state: RoomScheduleState;
}

/**
 * The RoomSchedule command handler: load (cached state, read forward from its revision unless the
 * append itself can prove it current) → decide → append with the revision the decision was made on. Losing the race to another instance
 * (`WrongExpectedVersion`) re-reads and re-decides, a bounded number of times with jitter. Commands for
 * one room are processed one after another inside this instance, so it never races itself.
 *
 * Event ids derive from the command id, so a command sent again appends nothing twice: if its first
 * decision was appended, the store answers the re-append as the same success; if the state moved on
 * since, the decider sees the booking already there and answers with nothing to do or a refusal.
 */
export class RoomScheduleHandler {
  private readonly cache = new Map<string, LoadedSchedule>();
  private readonly snapshotAt = new Map<string, bigint>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly maxAttempts: number;
  private readonly retry: Backoff;
  private readonly snapshotEvery: number;
  private readonly cacheSize: number;

  constructor(
    private readonly store: EventStore,
    private readonly options: RoomScheduleHandlerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 12;
    this.retry = options.retry ?? { initialDelayMs: 2, maxDelayMs: 50, jitter: 1 };
    this.snapshotEvery = options.snapshotEvery ?? 500;
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /** Decides `command` for the room and appends what it decided. Domain refusals are thrown as they are. */
  handle(roomId: string, command: RoomScheduleCommand, context: DecisionContext = {}): Promise<Decision> {
    return this.serialized(roomId, () => this.decideAndAppend(roomId, command, context));
  }

  /**
   * The room's schedule as of now (cache + read forward). Queries use it where the read model's lag
   * would matter (availability, alternatives, the decision's own reply).
   */
  load(roomId: string): Promise<LoadedSchedule> {
    return this.serialized(roomId, () => this.refresh(roomId));
  }

  private async decideAndAppend(
    roomId: string,
    command: RoomScheduleCommand,
    context: DecisionContext,
  ): Promise<Decision> {
    const stream = roomScheduleStream(roomId);
    // A cached state is decided on without reading the stream first: the append's expected revision
    // proves it current (the common case, one round trip). Only what is never appended, a refusal or
    // "nothing to do", is re-checked against the stream before it is answered.
    let loaded = this.cache.get(roomId);
    let verified = false;
    if (!loaded) {
      loaded = await this.refresh(roomId);
      verified = true;
    }
    for (let attempt = 1; ; attempt += 1) {
      let events: RoomScheduleEvent[];
      try {
        events = roomSchedule.decide(command, loaded.state);
      } catch (refusal) {
        if (verified) throw refusal;
        loaded = await this.refresh(roomId);
        verified = true;
        continue;
      }
      if (events.length === 0) {
        if (verified) return { ...loaded, events, firstRevision: loaded.revision + 1n, attempts: attempt };
        loaded = await this.refresh(roomId);
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
          const current = await this.refresh(roomId);
          return { ...current, events: [], firstRevision: current.revision + 1n, attempts: attempt };
        }
        const state = events.reduce(roomSchedule.evolve, loaded.state);
        const next: LoadedSchedule = { state, revision: result.nextExpectedRevision };
        this.remember(roomId, next);
        this.maybeSnapshot(roomId, next);
        return {
          ...next,
          events,
          firstRevision: result.nextExpectedRevision - BigInt(events.length) + 1n,
          attempts: attempt,
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion)) throw error;
        this.options.onConflict?.(roomId, attempt);
        if (attempt >= this.maxAttempts) throw new RoomContended(roomId, attempt);
        await sleep(backoffDelay(attempt, this.retry));
        loaded = await this.refresh(roomId);
        verified = true;
      }
    }
  }

  /** Cached state read forward to the stream's end; from the latest snapshot when nothing is cached. */
  private async refresh(roomId: string): Promise<LoadedSchedule> {
    const stream = roomScheduleStream(roomId);
    let loaded = this.cache.get(roomId);
    if (!loaded) {
      const snapshot = await this.store.loadSnapshot<SnapshotBody>(stream);
      loaded =
        snapshot && snapshot.state.format === SNAPSHOT_FORMAT
          ? { state: snapshot.state.state, revision: snapshot.revision }
          : { state: roomSchedule.initialState(), revision: -1n };
      if (snapshot) this.snapshotAt.set(roomId, snapshot.revision);
    }
    let { state, revision } = loaded;
    for await (const event of this.store.readStream<RoomScheduleEvent>(stream, { from: revision + 1n })) {
      state = roomSchedule.evolve(state, { type: event.type, data: event.data } as RoomScheduleEvent);
      revision = event.revision;
    }
    const current = { state, revision };
    this.remember(roomId, current);
    return current;
  }

  private remember(roomId: string, loaded: LoadedSchedule): void {
    this.cache.delete(roomId); // re-insert: Map order is recency order
    this.cache.set(roomId, loaded);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }

  private maybeSnapshot(roomId: string, loaded: LoadedSchedule): void {
    const last = this.snapshotAt.get(roomId) ?? -1n;
    if (loaded.revision - last < BigInt(this.snapshotEvery)) return;
    this.snapshotAt.set(roomId, loaded.revision);
    const body: SnapshotBody = { format: SNAPSHOT_FORMAT, state: loaded.state };
    this.store
      .saveSnapshot(roomScheduleStream(roomId), loaded.revision, body)
      .catch((error: unknown) => this.options.onSnapshotError?.(roomId, error));
  }

  /** Runs `work` after everything queued before it for the same room, within this instance. */
  private serialized<T>(roomId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(roomId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.queues.set(roomId, tail);
    void tail.then(() => {
      if (this.queues.get(roomId) === tail) this.queues.delete(roomId);
    });
    return run;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
