import {
  fromRoomScheduleSnapshot,
  roomSchedule,
  toRoomScheduleSnapshot,
  type RoomScheduleCommand,
  type RoomScheduleEvent,
  type RoomScheduleSnapshot,
  type RoomScheduleState,
} from '@roomledger/booking-domain';
import type { EventStore } from '@roomledger/event-store';
import {
  DecisionHandler,
  StreamContended,
  type DecisionHandlerOptions,
  type Loaded,
  type StreamDecision,
} from './decision-handler';

export type { DecisionContext } from './decision-handler';

/** The stream holding one room's schedule: the consistency boundary. */
export const roomScheduleStream = (roomId: string): string => `roomSchedule-${roomId}`;

/** A room's schedule as last seen: the folded state and the stream revision it was folded up to. */
export type LoadedSchedule = Loaded<RoomScheduleState>;
export type Decision = StreamDecision<RoomScheduleEvent, RoomScheduleState>;
export type RoomScheduleHandlerOptions = DecisionHandlerOptions;

/** Thrown when a room stayed contended for every attempt; the caller answers "try again". */
export class RoomContended extends StreamContended {
  constructor(
    readonly roomId: string,
    attempts: number,
  ) {
    super(roomScheduleStream(roomId), attempts);
    this.message = `room ${roomId} changed under ${attempts} decisions in a row`;
    this.name = 'RoomContended';
  }
}

/**
 * Bump when the state's shape changes: older snapshots are then ignored and the stream is re-read.
 * 2: bookings and maintenance are Maps in the state, arrays in the snapshot (1 was the state as JSON).
 */
const SNAPSHOT_FORMAT = 2;

/**
 * The RoomSchedule command handler (see {@link DecisionHandler}): one room's decisions one after
 * another inside this instance, the expected revision across instances, snapshots every 500 events.
 */
export class RoomScheduleHandler extends DecisionHandler<
  RoomScheduleCommand,
  RoomScheduleEvent,
  RoomScheduleState
> {
  constructor(store: EventStore, options: RoomScheduleHandlerOptions = {}) {
    super(
      store,
      {
        decider: roomSchedule,
        streamOf: roomScheduleStream,
        snapshotFormat: SNAPSHOT_FORMAT,
        snapshotCodec: {
          toSnapshot: toRoomScheduleSnapshot,
          // What toRoomScheduleSnapshot wrote: the handler hands over only snapshots of SNAPSHOT_FORMAT.
          fromSnapshot: (json) => fromRoomScheduleSnapshot(json as RoomScheduleSnapshot),
        },
        contended: (roomId, attempts) => new RoomContended(roomId, attempts),
        spanAttributes: (roomId, command) => ({
          'roomledger.room_id': roomId,
          'roomledger.command': command.type,
          ...('bookingId' in command.data ? { 'roomledger.booking_id': command.data.bookingId } : {}),
        }),
      },
      options,
    );
  }
}
