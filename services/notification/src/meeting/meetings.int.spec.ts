import { randomUUID } from 'node:crypto';
import { createKafka } from '@roomledger/messaging';
import {
  createFeedTopics,
  createTestDatabase,
  eventually,
  mailbox,
  startTestService,
  testStack,
  uniqueGroupId,
  uniqueSuffix,
  type CaughtMail,
  type FeedTopics,
  type TestDatabase,
} from '@roomledger/testing';
import ICAL from 'ical.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { startNotification } from '../app.module';
import { configSchema } from '../config';
import {
  meetingMessage,
  publicMeeting,
  userMessage,
  userPayload,
  type MeetingState,
  type UserProfile,
} from '../testing/feed-messages.fixtures';

type Started = Awaited<ReturnType<typeof startTestService>>;

/** An offset "minute" lasts this long here, so a reminder `n minutes` before fires n seconds before. */
const MINUTE_MS = 1_000;

/**
 * Meeting notices on real PostgreSQL, Kafka, Redis (BullMQ) and SMTP (MailDev): the meeting feed as
 * the booking service's relay publishes it, the directory from the user feed. Invitations, updates and
 * cancellations reach each attendee once with their iCalendar object (read back with ical.js); meeting
 * reminders fire once, not for someone who declined, never after a cancellation. Own database, topic
 * copies, group and queue.
 */
describe('Meeting notices', () => {
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let feeds: FeedTopics;
  let notification: Started | undefined;
  let redis: Redis;
  let queue: Queue;
  const runId = randomUUID().slice(0, 8);
  const queueName = `test-meeting-reminders-${uniqueSuffix()}`;
  const groupId = uniqueGroupId('notification-meetings-it');

  beforeAll(async () => {
    database = await createTestDatabase('rl_notification_meetings');
    kafka = createKafka({
      clientId: 'notification-meetings-it',
      brokers: testStack.kafkaBrokers,
      logger: pino({ level: 'error' }),
    });
    feeds = await createFeedTopics(kafka, {
      'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
      'meeting.events.v1': 'MEETING_EVENTS_TOPIC',
      'user.events.v1': 'USER_EVENTS_TOPIC',
      'notification.events.v1': 'NOTIFICATION_EVENTS_TOPIC',
    });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    redis = new Redis(testStack.redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue(queueName, { connection: redis });
    notification = await startTestService({
      schema: configSchema,
      start: startNotification,
      service: 'notification',
      env: {
        DATABASE_URL: database.url,
        NOTIFICATION_GROUP_ID: groupId,
        REMINDER_QUEUE: queueName,
        REMINDER_MINUTE_MS: String(MINUTE_MS),
        ...feeds.env,
      },
    });
    await eventually(async () => {
      const report = (await (await fetch(`${notification!.httpUrl}/health/ready`)).json()) as {
        checks: { read_model?: { intake?: string; reminders?: string } };
      };
      expect(report.checks.read_model?.intake).toBe('running');
      expect(report.checks.read_model?.reminders).toBe('running');
    }, 60_000);
  }, 120_000);

  afterAll(async () => {
    await notification?.close();
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await redis?.quit();
    await producer?.disconnect();
    await feeds?.delete();
    await database?.drop();
  });

  const register = async (name: string, timeZone = 'Europe/Berlin'): Promise<UserProfile> => {
    const userId = randomUUID();
    const user: UserProfile = {
      userId,
      version: 1,
      email: `${name.toLowerCase()}-${runId}-${userId.slice(0, 8)}@example.test`,
      name,
      timeZone,
      channels: ['email', 'in-app'],
      reminderOffsetsMinutes: [1440],
    };
    await producer.send({
      topic: feeds.topic('user.events.v1'),
      messages: [userMessage('registered', userPayload('registered', user))],
    });
    await eventually(async () =>
      expect(
        (await database.pool.query('select 1 from notification.recipients where user_id = $1', [userId]))
          .rowCount,
      ).toBe(1),
    );
    return user;
  };

  let revision = 0;
  const publish = async (
    name: Parameters<typeof meetingMessage>[0],
    data: Record<string, unknown>,
    eventId?: string,
  ) => {
    const message = meetingMessage(
      name,
      { occurredAt: new Date().toISOString(), streamRevision: (revision += 1), ...data },
      eventId,
    );
    await producer.send({ topic: feeds.topic('meeting.events.v1'), messages: [message] });
    return message;
  };

  /** A whole-second instant `seconds` from now, as the feed writes instants. */
  const inSeconds = (seconds: number) =>
    new Date(Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000).toISOString().replace('.000Z', 'Z');

  const meetingOf = (
    organizer: UserProfile,
    attendees: MeetingState['attendees'],
    startsIn: number,
  ): MeetingState => ({
    meetingId: randomUUID(),
    organizerId: organizer.userId,
    title: `Roadmap review ${runId}`,
    attendees: [{ userId: organizer.userId, required: true, response: 'accepted' }, ...attendees],
    start: inSeconds(startsIn),
    end: inSeconds(startsIn + 3600),
    timeZone: 'Europe/Berlin',
    sequence: 0,
  });

  const invite = async (mail: CaughtMail) => {
    const calendar = new ICAL.Component(ICAL.parse(await mailbox.attachment(mail, 'invite.ics')));
    return {
      method: calendar.getFirstPropertyValue('method'),
      event: new ICAL.Event(calendar.getFirstSubcomponent('vevent')!),
    };
  };
  const mailsAbout = async (address: string, title: string) =>
    (await mailbox.to(address)).filter((mail) => mail.subject.includes(title));
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('invites each attendee once, then updates and cancels their calendar entry', async () => {
    const olga = await register('Olga');
    const bea = await register('Bea', 'Asia/Kolkata');
    const cy = await register('Cy');
    const meeting = {
      ...meetingOf(
        olga,
        [
          { userId: bea.userId, required: true, response: 'needs-action' },
          { userId: cy.userId, required: false, response: 'needs-action' },
        ],
        7 * 24 * 3600,
      ),
      title: `Quarterly planning ${runId}`,
    };
    const scheduled = { ...publicMeeting(meeting), scheduledBy: olga.userId };
    const eventId = randomUUID();
    await publish('scheduled', scheduled, eventId);
    // The relay sends it again (a retry after a lost acknowledgement): same event id, same message.
    await producer.send({
      topic: feeds.topic('meeting.events.v1'),
      messages: [
        meetingMessage(
          'scheduled',
          { ...scheduled, occurredAt: new Date().toISOString(), streamRevision: revision },
          eventId,
        ),
      ],
    });

    for (const person of [bea, cy]) {
      const [mail] = await mailbox.waitFor(person.email, 1, 30_000);
      expect(mail!.subject).toMatch(/^Invitation: Quarterly planning/);
      const { method, event } = await invite(mail!);
      expect(method).toBe('REQUEST');
      expect(event.uid).toBe(`${meeting.meetingId}@roomledger`);
      expect(event.sequence).toBe(0);
      expect(event.component.getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Europe/Berlin');
      const attendees = event.attendees.map((attendee) => String(attendee.getFirstValue()).toLowerCase());
      expect(attendees).toEqual(expect.arrayContaining([`mailto:${bea.email}`, `mailto:${cy.email}`]));
    }
    expect(await mailsAbout(olga.email, meeting.title)).toEqual([
      expect.objectContaining({ subject: expect.stringMatching(/^Meeting scheduled: /) }),
    ]);

    const later = {
      ...meeting,
      start: inSeconds(8 * 24 * 3600),
      end: inSeconds(8 * 24 * 3600 + 3600),
      sequence: 1,
    };
    await publish('updated', {
      meetingId: meeting.meetingId,
      organizerId: olga.userId,
      sequence: 1,
      scope: 'all',
      changed: ['start', 'end'],
      timeChanged: true,
      updatedBy: olga.userId,
      meeting: publicMeeting(later),
      removedAttendees: [],
    });
    await publish('cancelled', {
      meetingId: meeting.meetingId,
      organizerId: olga.userId,
      sequence: 2,
      scope: 'all',
      cancelledBy: olga.userId,
    });
    for (const person of [bea, cy]) {
      const mails = await eventually(async () => {
        const found = await mailsAbout(person.email, meeting.title);
        expect(found).toHaveLength(3);
        return found;
      }, 30_000);
      const invites = await Promise.all(mails.map(invite));
      // In the order of the events: invitation, update, cancellation of the same entry.
      expect(invites.map(({ method, event }) => [method, event.uid, event.sequence])).toEqual([
        ['REQUEST', `${meeting.meetingId}@roomledger`, 0],
        ['REQUEST', `${meeting.meetingId}@roomledger`, 1],
        ['CANCEL', `${meeting.meetingId}@roomledger`, 2],
      ]);
      expect(invites[1]!.event.startDate.toString()).not.toBe(invites[0]!.event.startDate.toString());
    }
    // Everyone got their inbox items too, and nothing was mailed twice.
    const { rows } = await database.pool.query<{ kind: string }>(
      `select kind from notification.inbox_items where recipient_id = $1 and subject = $2 order by position`,
      [bea.userId, meeting.meetingId],
    );
    expect(rows.map((row) => row.kind)).toEqual([
      'meeting-invitation',
      'meeting-updated',
      'meeting-cancelled',
    ]);
    await pause(1_000);
    expect(await mailsAbout(bea.email, meeting.title)).toHaveLength(3);
  }, 90_000);

  it('reminds who has not declined, once, and nobody after a cancellation', async () => {
    const olga = await register('Olga');
    const bea = await register('Bea');
    const cy = await register('Cy');
    const meeting = {
      ...meetingOf(
        olga,
        [
          { userId: bea.userId, required: true, response: 'needs-action' },
          { userId: cy.userId, required: true, response: 'needs-action' },
        ],
        12,
      ),
      reminderMinutes: [4],
    };
    const dropped = {
      ...meetingOf(olga, [{ userId: bea.userId, required: true, response: 'needs-action' }], 12),
      title: `Dropped sync ${runId}`,
      reminderMinutes: [4],
    };
    await publish('scheduled', { ...publicMeeting(meeting), scheduledBy: olga.userId });
    await publish('scheduled', { ...publicMeeting(dropped), scheduledBy: olga.userId });
    await publish('invitation-responded', {
      meetingId: meeting.meetingId,
      attendee: { userId: cy.userId },
      response: 'declined',
    });
    await publish('cancelled', {
      meetingId: dropped.meetingId,
      organizerId: olga.userId,
      sequence: 1,
      scope: 'all',
      cancelledBy: olga.userId,
    });
    await eventually(async () => {
      const { rows } = await database.pool.query<{
        subject: string;
        recipient_id: string;
        status: string;
        synced: boolean;
      }>(`select subject, recipient_id, status, synced from notification.reminders where subject = any($1)`, [
        [meeting.meetingId, dropped.meetingId],
      ]);
      expect(rows.every((row) => row.synced)).toBe(true);
      expect(
        rows
          .filter((row) => row.status === 'scheduled')
          .map((row) => [row.subject, row.recipient_id])
          .sort(),
      ).toEqual(
        [
          [meeting.meetingId, olga.userId],
          [meeting.meetingId, bea.userId],
        ].sort(),
      );
    }, 20_000);

    const reminders = (address: string) =>
      mailbox.to(address).then((mails) => mails.filter((mail) => mail.subject.startsWith('Reminder: ')));
    for (const person of [olga, bea])
      await eventually(async () => expect(await reminders(person.email)).toHaveLength(1), 30_000);
    const [mail] = await reminders(bea.email);
    expect(mail!.subject).toContain(`Roadmap review ${runId}`);
    // Past the dropped meeting's reminder time and the attendee who declined: nothing more came.
    await eventually(
      async () => expect(Date.now()).toBeGreaterThan(Date.parse(dropped.start) - 4_000 + 2_000),
      20_000,
    );
    expect(await reminders(cy.email)).toEqual([]);
    expect(await reminders(olga.email)).toHaveLength(1);
    expect(await reminders(bea.email)).toHaveLength(1);
    const { rows } = await database.pool.query(
      `select 1 from notification.inbox_items where kind = 'meeting-reminder' and subject = $1`,
      [dropped.meetingId],
    );
    expect(rows).toEqual([]);
  }, 90_000);
});
