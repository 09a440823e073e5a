import { randomUUID } from 'node:crypto';
import { eventually, mailbox } from '@roomledger/testing';
import { reminderJobId } from '../domain';
import {
  bookingMessage,
  bookingPayload,
  type BookingState,
  type UserProfile,
} from '../testing/feed-messages.fixtures';
import { startNotificationHarness, type NotificationHarness } from '../testing/notification-harness.fixtures';

/**
 * Reminders on real PostgreSQL, Kafka, Redis (BullMQ delayed jobs, no fake timers) and SMTP (MailDev):
 * with minutes shortened to seconds, a booking starting a few seconds ahead gets its reminders by e-mail
 * and in the inbox, once each; a move re-times them, a cancellation drops them, and a service restarted
 * between scheduling and firing still sends each once. Own database, topic copies, group and queue.
 */
describe('Reminders', () => {
  let notification: NotificationHarness;
  const runId = randomUUID().slice(0, 8);
  let revision = 0;

  beforeAll(async () => {
    notification = await startNotificationHarness({
      name: 'reminders',
      // An offset's "minute" lasts a second: reminders `n minutes` before fire n seconds before.
      reminders: true,
      env: { REMINDER_DEFAULT_OFFSETS_MINUTES: '4,2' },
    });
  });

  afterAll(async () => {
    await notification?.stop();
  });

  const register = (overrides: Partial<UserProfile> = {}): Promise<UserProfile> =>
    notification.register({ name: 'Katherine Johnson', channels: ['email', 'in-app'], ...overrides });

  /** A booking starting `seconds` from now, for one hour. */
  const bookingIn = (organizerId: string, seconds: number): BookingState => {
    const startMs = Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000;
    return {
      bookingId: randomUUID(),
      roomId: `room-${runId}`,
      organizerId,
      start: new Date(startMs).toISOString().replace('.000Z', 'Z'),
      end: new Date(startMs + 3_600_000).toISOString().replace('.000Z', 'Z'),
      title: `Launch review ${runId}`,
      version: 1,
      streamRevision: (revision += 1),
      occurredAt: new Date().toISOString(),
    };
  };

  const publish = async (
    name: 'confirmed' | 'rescheduled' | 'cancelled',
    booking: BookingState,
    previous?: BookingState,
  ) => {
    const extra =
      name === 'cancelled'
        ? { cancelledBy: booking.organizerId, previousStatus: 'confirmed' }
        : name === 'rescheduled'
          ? { previous: { start: previous!.start, end: previous!.end }, rescheduledBy: booking.organizerId }
          : {};
    const payload = bookingPayload(name, { ...booking, occurredAt: new Date().toISOString() }, extra);
    await notification.publish('booking.events.v1', bookingMessage(name, payload));
  };

  const reminderItems = async (userId: string) =>
    (
      await notification.database.pool.query<{ title: string; created_at: Date }>(
        `select title, created_at from notification.inbox_items
          where recipient_id = $1 and kind = 'booking-reminder' order by position`,
        [userId],
      )
    ).rows;
  const reminderRows = async (bookingId: string) =>
    (
      await notification.database.pool.query<{
        offset_minutes: number;
        fire_at: Date;
        status: string;
        synced: boolean;
      }>(
        `select offset_minutes, fire_at, status, synced from notification.reminders
          where subject = $1 order by offset_minutes desc`,
        [bookingId],
      )
    ).rows;

  /** The reminder mails that reached `address` (the bookings' own confirmations etc. aside), once `count` did. */
  const reminderMails = (address: string, count: number, timeoutMs = 20_000) =>
    eventually(async () => {
      const mails = (await mailbox.to(address)).filter((mail) => mail.subject.startsWith('Reminder: '));
      expect(mails.length).toBeGreaterThanOrEqual(count);
      return mails;
    }, timeoutMs);

  it("sends each of the person's reminders once, by e-mail and in the inbox, at its time", async () => {
    const ada = await register({ reminderOffsetsMinutes: [3, 1] });
    const booking = bookingIn(ada.userId, 6);
    await publish('confirmed', booking);

    await eventually(async () => {
      const rows = await reminderRows(booking.bookingId);
      expect(rows.map((row) => [row.offset_minutes, row.synced])).toEqual([
        [3, true],
        [1, true],
      ]);
    }, 15_000);
    const job = await notification.reminderQueue.getJob(reminderJobId(booking.bookingId, ada.userId, 3));
    expect(job?.data).toMatchObject({ fireAt: new Date(Date.parse(booking.start) - 3_000).toISOString() });
    expect(await job?.isDelayed()).toBe(true);

    const mails = await reminderMails(ada.email, 2);
    expect(mails.map((mail) => mail.subject)).toEqual([
      expect.stringMatching(/^Reminder: Launch review/),
      expect.stringMatching(/^Reminder: Launch review/),
    ]);
    const items = await reminderItems(ada.userId);
    expect(items.map((item) => item.title)).toEqual([
      `“Launch review ${runId}” starts in 3 minutes`,
      `“Launch review ${runId}” starts in 1 minute`,
    ]);
    // Not early: the 3-"minute" reminder came no sooner than 3 s before the start.
    expect(items[0]!.created_at.getTime()).toBeGreaterThanOrEqual(Date.parse(booking.start) - 3_000 - 50);
    const { rows } = await notification.database.pool.query(
      `select status from notification.deliveries where channel = 'reminder' and subject = $1`,
      [booking.bookingId],
    );
    expect(rows).toEqual([{ status: 'sent' }, { status: 'sent' }]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await reminderMails(ada.email, 2, 1_000)).toHaveLength(2);
  });

  it('moves the reminders with the booking, and drops them when it is cancelled', async () => {
    const bea = await register({ reminderOffsetsMinutes: [2] });
    const moved = bookingIn(bea.userId, 5);
    const later = {
      ...moved,
      start: bookingIn(bea.userId, 9).start,
      end: bookingIn(bea.userId, 9).end,
      version: 2,
    };
    const dropped = bookingIn(bea.userId, 5);
    await publish('confirmed', moved);
    await publish('confirmed', dropped);
    await eventually(async () => {
      expect((await reminderRows(moved.bookingId)).map((row) => row.synced)).toEqual([true]);
      expect((await reminderRows(dropped.bookingId)).map((row) => row.synced)).toEqual([true]);
    }, 15_000);

    await publish('rescheduled', later, moved);
    await publish('cancelled', { ...dropped, version: 2 });
    await eventually(async () => {
      const [row] = await reminderRows(moved.bookingId);
      expect(row).toMatchObject({ status: 'scheduled', synced: true });
      expect(row!.fire_at.toISOString()).toBe(new Date(Date.parse(later.start) - 2_000).toISOString());
      expect(await reminderRows(dropped.bookingId)).toEqual([
        expect.objectContaining({ status: 'cancelled', synced: true }),
      ]);
    }, 15_000);
    expect(
      await notification.reminderQueue.getJob(reminderJobId(dropped.bookingId, bea.userId, 2)),
    ).toBeUndefined();
    const job = await notification.reminderQueue.getJob(reminderJobId(moved.bookingId, bea.userId, 2));
    expect(job?.data.fireAt).toBe(new Date(Date.parse(later.start) - 2_000).toISOString());

    // Past the old time, the moved reminder has not come; it comes at the new one, once.
    expect(await reminderMails(bea.email, 1)).toHaveLength(1);
    const items = await reminderItems(bea.userId);
    expect(items).toHaveLength(1);
    expect(items[0]!.created_at.getTime()).toBeGreaterThanOrEqual(Date.parse(later.start) - 2_000 - 50);
  });

  it('sends a reminder once although its service was restarted between scheduling and firing', async () => {
    const cy = await register({ reminderOffsetsMinutes: [2] });
    const booking = bookingIn(cy.userId, 7);
    await publish('confirmed', booking);
    await eventually(async () => {
      expect((await reminderRows(booking.bookingId)).map((row) => row.synced)).toEqual([true]);
    }, 15_000);
    await notification.restart(async () => {
      // The same job delivered twice (a worker that died after firing, before BullMQ recorded it): fired once.
      const queue = notification.reminderQueue;
      const jobId = reminderJobId(booking.bookingId, cy.userId, 2);
      const fireAt = (await queue.getJob(jobId))!.data.fireAt as string;
      await queue.add(
        'reminder',
        { jobId, fireAt },
        { jobId: `${jobId}_again`, delay: Date.parse(fireAt) - Date.now() },
      );
    });

    await eventually(async () => expect(await reminderItems(cy.userId)).toHaveLength(1), 20_000);
    await reminderMails(cy.email, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await reminderItems(cy.userId)).toHaveLength(1);
    expect(await reminderMails(cy.email, 1, 1_000)).toHaveLength(1);
  });
});
