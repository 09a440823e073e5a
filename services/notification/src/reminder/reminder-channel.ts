import type { PoolClient } from 'pg';
import {
  channelDecision,
  isMeetingNotice,
  planReminders,
  reminderJobId,
  type BookingNotice,
  type Notice,
} from '../domain';
import { lookUpRecipients, reminderOffsetsOf } from '../directory/recipient-directory';
import type { NotificationChannel } from '../intake/channel';
import { SCHEMA } from '../persistence/schema';
import { planMeetingReminderRows } from './meeting-reminders';

export const REMINDER = 'reminder';

/**
 * Reminders' half in the consuming transaction: a confirmed (or moved) booking gets one `reminders` row
 * per person in its audience and offset still ahead (the person's `reminderOffsetsMinutes`, else the
 * defaults), each row the future BullMQ job of its deterministic id; a move re-times the rows and
 * cancels the ones now past; a cancellation or expiry cancels them all. A meeting's notice plans the
 * meeting's reminders again from its copy (`planMeetingReminderRows`). Every changed row is left
 * `synced = false` and the {@link ReminderQueue} mirrors it into Redis after the commit.
 */
export class ReminderChannel implements NotificationChannel {
  readonly name = REMINDER;

  constructor(
    private readonly options: {
      defaultOffsetsMinutes: readonly number[];
      /** The length of a minute for the offsets: 60,000 except in tests. */
      minuteMs: number;
      now?: () => number;
    },
  ) {}

  async accept(tx: PoolClient, notice: Notice): Promise<void> {
    if (isMeetingNotice(notice)) {
      // Every change of a meeting (a move, a cancellation, an answer, a new guest list) plans it again.
      if (notice.kind !== 'meeting-reminder')
        await planMeetingReminderRows(tx, notice.meeting, this.options, this.options.now?.() ?? Date.now());
      return;
    }
    switch (notice.kind) {
      case 'booking-confirmed':
      case 'booking-rescheduled':
        return this.schedule(tx, notice);
      case 'booking-cancelled':
      case 'hold-expired':
        await tx.query(
          `update ${SCHEMA}.reminders set status = 'cancelled', synced = false, updated_at = now()
            where subject = $1 and status = 'scheduled'`,
          [notice.booking.bookingId],
        );
        return;
      case 'booking-reminder':
        return;
    }
  }

  private async schedule(tx: PoolClient, notice: BookingNotice): Promise<void> {
    const now = this.options.now?.() ?? Date.now();
    const directory = await lookUpRecipients(tx, notice.audience);
    const chosen = await reminderOffsetsOf(tx, notice.audience);
    for (const recipientId of new Set(notice.audience)) {
      const entry = directory.get(recipientId);
      const reachable = channelDecision(entry, 'email').deliver || channelDecision(entry, 'in-app').deliver;
      const planned = reachable
        ? planReminders(
            notice.booking.start,
            chosen.get(recipientId) ?? this.options.defaultOffsetsMinutes,
            now,
            this.options.minuteMs,
          )
        : [];
      for (const { offsetMinutes, fireAt } of planned)
        await tx.query(
          `insert into ${SCHEMA}.reminders as r
             (job_id, subject, kind, recipient_id, offset_minutes, fire_at, facts, status)
           values ($1, $2, 'booking-reminder', $3, $4, $5, $6, 'scheduled')
           on conflict (job_id) do update
             set fire_at = excluded.fire_at, facts = excluded.facts, status = 'scheduled',
                 synced = false, updated_at = now()
           where r.fire_at <> excluded.fire_at or r.status = 'cancelled'`,
          [
            reminderJobId(notice.booking.bookingId, recipientId, offsetMinutes),
            notice.booking.bookingId,
            recipientId,
            offsetMinutes,
            fireAt,
            JSON.stringify(notice.booking),
          ],
        );
      // Offsets no longer ahead (the booking moved closer) or no longer wanted.
      await tx.query(
        `update ${SCHEMA}.reminders set status = 'cancelled', synced = false, updated_at = now()
          where subject = $1 and recipient_id = $2 and status = 'scheduled'
            and not (offset_minutes = any($3))`,
        [notice.booking.bookingId, recipientId, planned.map((each) => each.offsetMinutes)],
      );
    }
  }
}
