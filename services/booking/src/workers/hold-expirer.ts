import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { BookingApplication } from '../booking.application';
import { RecurringWorker } from './recurring-worker';

export interface HoldExpirerOptions {
  readonly pool: Pool;
  readonly application: BookingApplication;
  readonly logger: Logger;
  /** How often to look for holds whose time is up (default 1,000 ms). */
  readonly intervalMs?: number;
  /** Most holds expired per round (default 200). */
  readonly batch?: number;
  readonly onExpired?: (count: number) => void;
}

/**
 * Appends `HoldExpired` for holds whose time is up, so read models and notifications see the expiry
 * within about a second (decisions never wait for it: an expired hold blocks nothing either way).
 * Finds candidates in the read model and decides each in its room: a hold confirmed or cancelled
 * meanwhile is left alone by the decider, and the command id is fixed per hold, so several instances
 * running this at once append each expiry once.
 */
export class HoldExpirer extends RecurringWorker {
  constructor(private readonly options: HoldExpirerOptions) {
    super({
      intervalMs: options.intervalMs ?? 1_000,
      logger: options.logger,
      failure: 'hold expiry round failed',
    });
  }

  /** One round; returns how many holds it expired. */
  async runOnce(): Promise<number> {
    const { rows } = await this.options.pool.query<{ booking_id: string; room_id: string }>(
      `select booking_id, room_id from booking_read.bookings
        where status = 'held' and expires_at <= now() order by expires_at limit $1`,
      [this.options.batch ?? 200],
    );
    let expired = 0;
    for (const row of rows) {
      if (this.stopped) break;
      const decision = await this.options.application
        .expireHold(row.room_id, row.booking_id)
        .catch((error: unknown) => {
          this.options.logger.warn({ err: error, bookingId: row.booking_id }, 'could not expire hold');
          return undefined;
        });
      if (decision && decision.events.length > 0) expired += 1;
    }
    if (expired > 0) this.options.onExpired?.(expired);
    return expired;
  }
}
