import type { MeetingState } from '@roomledger/booking-domain';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { MeetingApplication } from '../meetings/meeting.application';
import { RecurringWorker } from './recurring-worker';

export interface SeriesBookerOptions {
  readonly pool: Pool;
  readonly meetings: MeetingApplication;
  readonly logger: Logger;
  /** How often to look for series whose room window has moved on (default one hour). */
  readonly intervalMs?: number;
  /** Most series looked at per round (default 500). */
  readonly batch?: number;
}

/**
 * Books recurring meetings' later occurrences as each room's booking window moves forward: a series
 * is booked only inside its room's window when it is scheduled, the rest here. Candidates come from
 * the read model (scheduled series with a room, and how far each has been decided); each is booked
 * with `skip-conflicts`, and what was taken meanwhile is reported to the organizer through the meeting
 * feed (`occurrence-conflicted`). Idempotent across instances (fixed command ids per series and range).
 */
export class SeriesBooker extends RecurringWorker {
  constructor(private readonly options: SeriesBookerOptions) {
    super({
      intervalMs: options.intervalMs ?? 3_600_000,
      logger: options.logger,
      failure: 'series booking round failed',
    });
  }

  /** One round; returns how many occurrences it booked. */
  async runOnce(): Promise<number> {
    const { rows } = await this.options.pool.query<{ state: MeetingState; considered_until: Date | null }>(
      `select m.state, s.considered_until
         from booking_read.meetings m
         left join booking_read.series_bookings s on s.series_id = m.booking_id
        where m.recurring and m.status = 'scheduled' and m.room_id is not null
          and (m.series_end is null or m.series_end > now())
          and (s.considered_until is null or m.series_end is null or s.considered_until < m.series_end)
        order by s.considered_until nulls first limit $1`,
      [this.options.batch ?? 500],
    );
    let booked = 0;
    for (const row of rows) {
      if (this.stopped) break;
      if (row.state.status !== 'scheduled') continue;
      const outcome = await this.options.meetings
        .extendSeries(row.state, row.considered_until?.getTime())
        .catch((error: unknown) => {
          const meetingId = row.state.status === 'none' ? undefined : row.state.meetingId;
          this.options.logger.warn({ err: error, meetingId }, 'could not book later occurrences');
          return undefined;
        });
      booked += outcome?.booked ?? 0;
    }
    return booked;
  }
}
