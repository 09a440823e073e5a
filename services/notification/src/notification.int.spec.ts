import { randomUUID } from 'node:crypto';
import { DeadLetterHeaders } from '@roomledger/messaging';
import {
  eventually,
  grpcClient,
  roomRegisteredMessage,
  mailbox,
  startTestService,
  testStack,
  uniqueGroupId,
  waitForGroupJoin,
  type CaughtMail,
  type GrpcTestClient,
  type StartedService,
} from '@roomledger/testing';
import ICAL from 'ical.js';
import type { Consumer, IHeaders, KafkaMessage } from 'kafkajs';
// The booking service runs beside the notification service, in process, as the real producer of the
// booking feed it consumes (services are not libraries, hence no alias), as room.int.spec.ts does.
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startBooking } from '../../booking/src/app.module';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { configSchema as bookingConfigSchema } from '../../booking/src/config';
import type { NotificationEventType } from './delivery-log/notification-events';
import {
  bookingMessage,
  bookingPayload,
  userMessage,
  userPayload,
  type UserProfile,
} from './testing/feed-messages.fixtures';
import { startNotificationHarness, type NotificationHarness } from './testing/notification-harness.fixtures';
import { validateNotificationEvent } from './testing/notification-schemas.fixtures';

interface Tapped {
  topic: string;
  message: KafkaMessage;
  header(name: string): string;
}

/**
 * The notification service as people and operators see it, on real PostgreSQL, Kafka and SMTP
 * (MailDev, read back over its HTTP API): a real booking service publishes the booking feed; user events
 * are produced as the user service's relay produces them. Everything runs on this test's own database,
 * topic copies and consumer groups; mails are told apart by this run's addresses.
 */
describe('The notification service', () => {
  let notification: NotificationHarness;
  let tap: Consumer;
  let booking: StartedService;
  let bookings: GrpcTestClient;
  const tapped: Tapped[] = [];
  const runId = randomUUID().slice(0, 8);
  const roomId = `r${runId}`;
  // Tomorrow 00:00 UTC onwards: within any window, past any notice.
  const day0 = Math.ceil(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
  const at = (minutes: number) => new Date(day0 + minutes * 60_000).toISOString().replace('.000Z', 'Z');

  beforeAll(async () => {
    // reminders.int.spec.ts runs reminders on a queue of its own; here they are off.
    notification = await startNotificationHarness({
      name: 'notify',
      feeds: { 'room.events.v1': 'ROOM_EVENTS_TOPIC' },
    });
    const { kafka, feeds, database } = notification;

    // A plain consumer reading what travels: the booking feed, its dead letters, the notification events.
    tap = kafka.consumer({ groupId: uniqueGroupId('notification-tap') });
    await tap.connect();
    await tap.subscribe({
      topics: [
        feeds.topic('booking.events.v1'),
        `${feeds.topic('booking.events.v1')}.dlq`,
        feeds.topic('notification.events.v1'),
      ],
      fromBeginning: true,
    });
    const joined = waitForGroupJoin(tap);
    await tap.run({
      eachMessage: async ({ topic, message }) => {
        tapped.push({ topic, message, header: (name) => String(message.headers?.[name] ?? '') });
      },
    });
    await joined;

    booking = await startTestService({
      schema: bookingConfigSchema,
      start: startBooking,
      service: 'booking',
      env: {
        DATABASE_URL: database.url,
        ROOM_EVENTS_GROUP_ID: uniqueGroupId('notification-it-rooms'),
        HOLD_EXPIRY_INTERVAL_MS: '200',
        ...feeds.env,
      },
    });
    bookings = grpcClient(
      booking.grpcAddress,
      'roomledger/booking/v1/booking.proto',
      'roomledger.booking.v1.BookingService',
    );

    // The room comes from the room feed, as in production; then the booking service books in it.
    await notification.publish('room.events.v1', roomRegisteredMessage(roomId));
    await eventually(
      () => bookings.call('GetRoomAvailability', { roomId, from: at(0), to: at(60) }, as('x')),
      30_000,
    );
  });

  afterAll(async () => {
    bookings?.close();
    await booking?.close();
    await tap?.disconnect();
    await notification?.stop();
  });

  const as = (userId: string) => ({ 'x-roomledger-user-id': userId, 'x-roomledger-roles': 'member' });

  const directoryEntry = async (userId: string) =>
    (
      await notification.database.pool.query('select * from notification.recipients where user_id = $1', [
        userId,
      ])
    ).rows;
  const inboxHas = async (eventId: string) =>
    (
      await notification.database.pool.query('select 1 from notification.inbox where event_id = $1', [
        eventId,
      ])
    ).rowCount === 1;

  let slot = 0;
  /** A booking made through the real booking service, and the feed message it published. */
  const bookDirectly = async (organizerId: string, start = 60 * (48 + (slot += 2)), minutes = 60) => {
    const made = await bookings.call<{ id: string; version: string }>(
      'BookDirectly',
      { roomId, start: at(start), end: at(start + minutes), title: `Planning ${runId}` },
      as(organizerId),
    );
    return { id: made.id, start: at(start), confirmed: await published(made.id, 'confirmed') };
  };
  const published = (bookingId: string, name: string) =>
    eventually(() => {
      const found = tapped.find(
        (each) =>
          each.topic === notification.feeds.topic('booking.events.v1') &&
          each.header('ce_subject') === bookingId &&
          each.header('ce_type') === `roomledger.booking.${name}.v1`,
      );
      expect(found).toBeDefined();
      return found!;
    }, 30_000);
  const notificationEvents = (recipientId: string) =>
    tapped
      .filter((each) => each.topic === notification.feeds.topic('notification.events.v1'))
      .map((each) => ({
        type: each
          .header('ce_type')
          .replace(/^roomledger\.notification\.(.+)\.v1$/, '$1') as NotificationEventType,
        key: String(each.message.key),
        value: JSON.parse(String(each.message.value)) as Record<string, unknown>,
      }))
      .filter((event) => event.value.recipientId === recipientId);
  const metric = async (name: string, labels: Record<string, string>): Promise<number> => {
    const exposition = await (await fetch(`${notification.service.httpUrl}/metrics`)).text();
    const line = exposition
      .split('\n')
      .find(
        (row) =>
          row.startsWith(`${name}{`) &&
          Object.entries(labels).every(([key, value]) => row.includes(`${key}="${value}"`)),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const invite = async (mail: CaughtMail) => {
    // MailDev serves an attachment by the name it stored it under (`generatedFileName`).
    const attachments = (mail.attachments ?? []) as { filename?: string; generatedFileName?: string }[];
    const file = attachments.find((attachment) => attachment.filename === 'invite.ics')?.generatedFileName;
    const response = await fetch(`${testStack.mailApiUrl}/api/email/${mail.id}/attachment/${file}`);
    expect(response.ok).toBe(true);
    const calendar = new ICAL.Component(ICAL.parse(await response.text()));
    return {
      method: calendar.getFirstPropertyValue('method'),
      event: new ICAL.Event(calendar.getFirstSubcomponent('vevent')!),
    };
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  describe('When a booking is confirmed', () => {
    let ada: UserProfile;
    let made: Awaited<ReturnType<typeof bookDirectly>>;

    beforeAll(async () => {
      ada = await notification.register();
      made = await bookDirectly(ada.userId);
    });

    it('mails the organizer once, even when the same event is delivered twice', async () => {
      const [mail] = await mailbox.waitFor(ada.email, 1);
      expect(mail.subject).toMatch(new RegExp(`^Booking confirmed: Planning ${runId}, `));
      expect(mail.to).toEqual([{ address: ada.email, name: 'Ada Lovelace' }]);

      const before = await metric('notification_consumed_messages_total', {
        feed: 'booking',
        outcome: 'duplicate',
      });
      const { message } = made.confirmed;
      await notification.publish('booking.events.v1', {
        key: message.key,
        value: message.value,
        headers: message.headers as IHeaders,
      });
      await eventually(async () =>
        expect(
          await metric('notification_consumed_messages_total', { feed: 'booking', outcome: 'duplicate' }),
        ).toBe(before + 1),
      );
      await pause(1_000);
      expect(await mailbox.to(ada.email)).toHaveLength(1);
      const { rows } = await notification.database.pool.query(
        'select status, attempts from notification.deliveries where recipient_id = $1',
        [ada.userId],
      );
      expect(rows).toEqual([{ status: 'sent', attempts: 1 }]);
    });

    it('publishes notification.sent (schema-valid, keyed by notification, nothing personal in it)', async () => {
      const [sent] = await eventually(() => {
        const found = notificationEvents(ada.userId);
        expect(found).toHaveLength(1);
        return found;
      });
      expect(sent).toMatchObject({
        type: 'sent',
        value: {
          channel: 'email',
          kind: 'booking-confirmed',
          sourceEventId: made.confirmed.header('ce_id'),
          sourceSubject: made.id,
          attempts: 1,
        },
      });
      expect(sent.key).toBe(sent.value.notificationId);
      expect(validateNotificationEvent('sent', sent.value)).toEqual({ valid: true });
      expect(JSON.stringify(sent.value)).not.toContain(ada.email);
      expect(
        await metric('notification_sent_total', { channel: 'email', kind: 'booking-confirmed' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        await metric('notification_latency_seconds_count', { channel: 'email', kind: 'booking-confirmed' }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('attaches an invitation that ical.js reads: METHOD, UID, SEQUENCE, DTSTART in UTC', async () => {
      const [mail] = await mailbox.waitFor(ada.email, 1);
      const { method, event } = await invite(mail);
      expect(method).toBe('REQUEST');
      expect(event.uid).toBe(`${made.id}@roomledger`);
      expect(event.sequence).toBe(1);
      expect(event.startDate.zone?.tzid).toBe('UTC');
      expect(event.startDate.toJSDate().toISOString()).toBe(new Date(made.start).toISOString());
      expect(await mailbox.source(mail.id)).toContain('text/calendar; charset=utf-8; method=REQUEST');
    });

    it('updates the invitation when the booking moves and cancels it when it is cancelled: one UID, rising SEQUENCE', async () => {
      await bookings.call(
        'RescheduleBooking',
        { bookingId: made.id, start: at(60 * 20), end: at(60 * 21) },
        as(ada.userId),
      );
      await bookings.call('CancelBooking', { bookingId: made.id, reason: 'plans changed' }, as(ada.userId));
      const mails = await mailbox.waitFor(ada.email, 3);
      expect(mails.map((mail) => mail.subject.split(':')[0])).toEqual([
        'Booking confirmed',
        'Booking changed',
        'Booking cancelled',
      ]);
      const invites = await Promise.all(mails.map(invite));
      expect(invites.map(({ method }) => method)).toEqual(['REQUEST', 'REQUEST', 'CANCEL']);
      expect(new Set(invites.map(({ event }) => event.uid))).toEqual(new Set([`${made.id}@roomledger`]));
      expect(invites.map(({ event }) => event.sequence)).toEqual([1, 2, 3]);
      expect(invites[1].event.startDate.toJSDate().toISOString()).toBe(new Date(at(60 * 20)).toISOString());
      expect(mails[2].text).toContain('was cancelled (reason: plans changed).');
    });
  });

  it('shows times on the recipient’s clock', async () => {
    const ravi = await notification.register({ timeZone: 'Asia/Kolkata', name: 'Ravi' });
    const made = await bookDirectly(ravi.userId, 14 * 60); // 14:00–15:00 UTC tomorrow
    const [mail] = await mailbox.waitFor(ravi.email, 1);
    // Kolkata is UTC+05:30 all year: 14:00 UTC is 19:30 there.
    expect(mail.text).toContain('19:30–20:30 (Asia/Kolkata, GMT+5:30)');
    expect(mail.html).toContain('19:30–20:30 (Asia/Kolkata, GMT+5:30)');
    expect(mail.subject).toMatch(/, 19:30$/);
    expect(mail.text).not.toContain('14:00');
    expect((await invite(mail)).event.startDate.toJSDate().toISOString()).toBe(
      new Date(made.start).toISOString(),
    );
  });

  it('mails the organizer of a hold that expired', async () => {
    const bob = await notification.register({ name: 'Bob' });
    const hold = await bookings.call<{ id: string }>(
      'PlaceHold',
      { roomId, start: at(60 * 30), end: at(60 * 31), title: `Hold ${runId}`, ttlSeconds: 1 },
      as(bob.userId),
    );
    await published(hold.id, 'expired');
    const [mail] = await mailbox.waitFor(bob.email, 1);
    // The expired event carries no title: the mail names the room.
    expect(mail.subject).toMatch(new RegExp(`^Hold expired: Room ${roomId}, `));
    expect(mail.attachments ?? []).toEqual([]);
  });

  it('sends no e-mail to someone who turned e-mail off', async () => {
    const carol = await notification.register({ channels: ['in-app'] });
    const made = await bookDirectly(carol.userId);
    await eventually(async () => expect(await inboxHas(made.confirmed.header('ce_id'))).toBe(true));
    await pause(1_000);
    expect(await mailbox.to(carol.email)).toEqual([]);
    const { rows } = await notification.database.pool.query(
      'select 1 from notification.deliveries where recipient_id = $1',
      [carol.userId],
    );
    expect(rows).toEqual([]);
  });

  it('removes an erased user from the directory for good, and mails them nothing more', async () => {
    const dave = await notification.register({ name: 'Dave' });
    await notification.publish(
      'user.events.v1',
      userMessage('erased', { userId: dave.userId, occurredAt: new Date().toISOString() }),
    );
    await eventually(async () => expect(await directoryEntry(dave.userId)).toEqual([]));
    // A late profile event (a redelivery, a replay) does not bring the data back.
    const late = userMessage('updated', userPayload('updated', { ...dave, version: 2 }));
    await notification.publish('user.events.v1', late);
    await eventually(async () => expect(await inboxHas(String((late.headers as IHeaders).ce_id))).toBe(true));
    expect(await directoryEntry(dave.userId)).toEqual([]);

    const made = await bookDirectly(dave.userId);
    await eventually(async () => expect(await inboxHas(made.confirmed.header('ce_id'))).toBe(true));
    await pause(1_000);
    expect(await mailbox.to(dave.email)).toEqual([]);
    expect(
      await metric('notification_skipped_total', { channel: 'email', reason: 'erased' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('dead-letters malformed messages and still processes the next one on their partition', async () => {
    const erin = await notification.register({ name: 'Erin' });
    const key = `r${runId}-poison`; // one key: one partition, in this order
    const good = bookingPayload('confirmed', {
      bookingId: randomUUID(),
      roomId: key,
      organizerId: erin.userId,
      start: at(60 * 40),
      end: at(60 * 41),
      title: `After the poison ${runId}`,
      version: 1,
      streamRevision: 3,
      occurredAt: new Date().toISOString(),
    });
    const notJson = { ...bookingMessage('confirmed', good), value: '{"bookingId": ' };
    const { bookingId: _, ...withoutId } = good;
    const breaksContract = { ...bookingMessage('confirmed', withoutId as never), key };
    await notification.publish(
      'booking.events.v1',
      notJson,
      breaksContract,
      bookingMessage('confirmed', good),
    );

    const [mail] = await mailbox.waitFor(erin.email, 1, 30_000);
    expect(mail.subject).toMatch(/^Booking confirmed: After the poison/);
    const dead = await eventually(() => {
      const found = tapped.filter(
        (each) =>
          each.topic === `${notification.feeds.topic('booking.events.v1')}.dlq` &&
          String(each.message.key) === key,
      );
      expect(found).toHaveLength(2);
      return found;
    });
    expect(
      dead.map((each) => [
        each.header(DeadLetterHeaders.errorClass),
        each.header(DeadLetterHeaders.attempts),
      ]),
    ).toEqual([
      ['MalformedMessage', '0'],
      ['ContractViolation', '5'],
    ]);
    expect(dead[1].header(DeadLetterHeaders.error)).toBe(
      'roomledger.booking.confirmed.v1: bookingId must be a non-empty string',
    );
    expect(await metric('notification_dlq_messages_total', { feed: 'booking' })).toBe(2);
  });

  // Meeting notices themselves: meeting/meetings.int.spec.ts.
  it('dead-letters a meeting event that breaks the contract, like a booking event', async () => {
    const id = randomUUID();
    await notification.publish('meeting.events.v1', {
      key: 'm-1',
      value: JSON.stringify({ meetingId: 'm-1' }),
      headers: {
        ce_specversion: '1.0',
        ce_id: id,
        ce_type: 'roomledger.meeting.scheduled.v1',
        ce_source: '/roomledger/booking',
        ce_time: new Date().toISOString(),
        ce_subject: 'm-1',
      },
    });
    await eventually(
      async () => expect(await metric('notification_dlq_messages_total', { feed: 'meeting' })).toBe(1),
      20_000,
    );
  });
});
