import { room, type RoomCommand, type RoomEvent, type RoomState } from '@roomledger/room-domain';
import {
  WrongExpectedVersion,
  appendDecision,
  type Checkpoint,
  type EventMetadata,
  type EventStore,
} from '@roomledger/event-store';
import { backoffDelay, type Backoff } from '@roomledger/retry';

/** The stream holding one room's catalogue entry. */
export const roomStream = (roomId: string): string => `room-${roomId}`;

/** The stream category the projection and the relay follow. */
export const ROOM_CATEGORY = 'room';

/** A room as last read: the folded state and the stream revision it was folded up to. */
export interface LoadedRoom {
  readonly state: RoomState;
  /** -1n: the stream does not exist yet. */
  readonly revision: bigint;
}

export interface RoomDecision extends LoadedRoom {
  /** What the decision appended (empty: nothing to do, an idempotent repeat). */
  readonly events: readonly RoomEvent[];
  /** Of the append, for read-your-writes waits; undefined when nothing was appended. */
  readonly checkpoint?: Checkpoint;
}

/** Thrown when the room changed under every attempt; the caller answers "try again". */
export class RoomContended extends Error {
  constructor(
    readonly roomId: string,
    readonly attempts: number,
  ) {
    super(`room ${roomId} changed under ${attempts} decisions in a row`);
    this.name = 'RoomContended';
  }
}

/**
 * The Room command handler: load the stream → decide → append with the revision the decision was made
 * on. Losing a race (`WrongExpectedVersion`) re-reads and re-decides, a few times with jitter. A room's
 * stream holds a handful of events (registration, a few changes, retirement), so it is read whole each
 * time: no cache, no snapshots.
 *
 * Event ids derive from the command id (`appendDecision`), so a command sent again appends nothing
 * twice: the decider sees its first result and answers with nothing to do (or a refusal), and should it
 * decide anew on a newer state, the store finds the command's ids already there and it is answered as done.
 */
export class RoomHandler {
  private readonly maxAttempts: number;
  private readonly retry: Backoff;

  constructor(
    private readonly store: EventStore,
    private readonly options: {
      maxAttempts?: number;
      retry?: Backoff;
      onConflict?: (roomId: string, attempt: number) => void;
    } = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retry = options.retry ?? { initialDelayMs: 5, maxDelayMs: 100, jitter: 1 };
  }

  async handle(roomId: string, command: RoomCommand, metadata: EventMetadata = {}): Promise<RoomDecision> {
    for (let attempt = 1; ; attempt += 1) {
      const loaded = await this.load(roomId);
      const events = room.decide(command, loaded.state);
      if (events.length === 0) return { ...loaded, events };
      try {
        const result = await appendDecision(this.store, roomStream(roomId), events, {
          revision: loaded.revision,
          commandId: command.metadata.commandId,
          actorId: command.metadata.actor.userId,
          metadata,
        });
        // This command took effect earlier (a retried request decided again on a newer state).
        if (result === 'already_applied') return { ...(await this.load(roomId)), events: [] };
        return {
          state: events.reduce(room.evolve, loaded.state),
          revision: result.nextExpectedRevision,
          events,
          checkpoint: result.checkpoint,
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion)) throw error;
        this.options.onConflict?.(roomId, attempt);
        if (attempt >= this.maxAttempts) throw new RoomContended(roomId, attempt);
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, this.retry)));
      }
    }
  }

  /** The room as its stream says now. */
  async load(roomId: string): Promise<LoadedRoom> {
    let state = room.initialState();
    let revision = -1n;
    for await (const event of this.store.readStream<RoomEvent>(roomStream(roomId))) {
      state = room.evolve(state, { type: event.type, data: event.data } as RoomEvent);
      revision = event.revision;
    }
    return { state, revision };
  }
}
