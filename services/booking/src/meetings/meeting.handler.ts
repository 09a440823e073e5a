import {
  meetingDecider,
  type MeetingCommand,
  type MeetingEvent,
  type MeetingState,
} from '@roomledger/booking-domain';
import type { EventStore } from '@roomledger/event-store';
import {
  DecisionHandler,
  type DecisionHandlerOptions,
  type StreamDecision,
} from '../schedule/decision-handler';

/** The stream of one meeting (a series included): its decisions are made on its revision. */
export const meetingStream = (meetingId: string): string => `meeting-${meetingId}`;

export type MeetingDecision = StreamDecision<MeetingEvent, MeetingState>;

/** Bump when the state's shape changes: older snapshots are then ignored and the stream is re-read. */
const SNAPSHOT_FORMAT = 1;

/**
 * The Meeting command handler: the same load → decide → append-with-expected-revision → retry loop as
 * the room schedule's ({@link DecisionHandler}), on `meeting-<meetingId>` streams. RSVPs and edits of
 * one meeting are serialised inside this instance; across instances the expected revision decides.
 */
export class MeetingHandler extends DecisionHandler<MeetingCommand, MeetingEvent, MeetingState> {
  constructor(store: EventStore, options: DecisionHandlerOptions = {}) {
    super(
      store,
      { decider: meetingDecider, streamOf: meetingStream, snapshotFormat: SNAPSHOT_FORMAT },
      { cacheSize: 5_000, ...options },
    );
  }
}
