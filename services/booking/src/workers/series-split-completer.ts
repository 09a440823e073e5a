import { MeetingAlreadyExists, type MeetingCommand, type SeriesSplit } from '@roomledger/booking-domain';
import type { EventStore, RecordedEvent } from '@roomledger/event-store';
import { ProjectionRunner, type ProjectionLogger } from '@roomledger/projections';
import type { Pool } from 'pg';
import { SYSTEM_ADMIN } from '../meetings/meeting.application';
import type { MeetingHandler } from '../meetings/meeting.handler';

/**
 * Finishes `following` edits that stopped half-way. Such an edit appends `SeriesSplit` to the original
 * series (which now ends before the edited occurrence), then starts the continuation in a stream of its
 * own (`ContinueSeries`). A crash between the two, with no retry from the caller, would leave the later
 * occurrences in no series at all.
 *
 * This follows every `SeriesSplit` (the store sends it no other event) and sends `ContinueSeries` for
 * each. It runs on the projection runner for what that already does: a stored checkpoint
 * (`booking_series_splits.checkpoints`), one instance at a time under a lease, retries. The decider writes
 * nothing when the continuation is already there, which is the usual case: the edit started it a few
 * milliseconds earlier, and this costs one decision that appends nothing (should this get there first,
 * the edit's own start is the one that writes nothing). The checkpoint moves only
 * after the batch's commands were decided, so a crash here repeats them, harmlessly.
 */
export function seriesSplitCompleter(options: {
  store: EventStore;
  pool: Pool;
  handler: MeetingHandler;
  logger: ProjectionLogger;
  clock?: () => Date;
}): ProjectionRunner {
  const clock = options.clock ?? (() => new Date());
  return new ProjectionRunner({
    name: 'series-split-completer',
    schema: 'booking_series_splits',
    categories: ['meeting'],
    eventTypes: { meeting: ['SeriesSplit'] },
    store: options.store,
    pool: options.pool,
    leaderPool: options.pool,
    logger: options.logger,
    async setup() {
      // Nothing but the checkpoint, which the runner keeps.
    },
    async apply(_client, events) {
      for (const event of events as readonly RecordedEvent<SeriesSplit>[]) {
        const continuation = event.data.continuation.meetingId;
        const command: MeetingCommand = {
          type: 'ContinueSeries',
          data: { split: event.data },
          metadata: {
            commandId: `continue-series:${event.eventId}`,
            actor: SYSTEM_ADMIN,
            now: clock().toISOString(),
          },
        };
        try {
          const decision = await options.handler.handle(continuation, command);
          if (decision.events.length > 0) {
            options.logger.warn(
              { meetingId: event.data.meetingId, continuation },
              'a split series had no continuation (its edit stopped after the split, or has not got to it yet): started it',
            );
          }
        } catch (error) {
          // Another meeting under the continuation's id: nothing this can repair; say so and go on.
          if (!(error instanceof MeetingAlreadyExists)) throw error;
          options.logger.error(
            { meetingId: event.data.meetingId, continuation, err: error },
            'a split series cannot continue: its id is taken by another meeting',
          );
        }
      }
    },
  });
}
