import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually, grpcClient, mailbox, type CaughtMail, type GrpcTestClient } from '@roomledger/testing';
import ICAL from 'ical.js';
import {
  meetingMessage,
  organizerCancels,
  organizerUpdates,
  publicMeeting,
  type MeetingState,
  type UserProfile,
} from '../testing/feed-messages.fixtures';
import { startNotificationHarness, type NotificationHarness } from '../testing/notification-harness.fixtures';
import { verifyWebhook, WebhookHeaders } from '../webhook/signature';

/**
 * Meeting notices on real PostgreSQL, Kafka, Redis (BullMQ) and SMTP (MailDev): the meeting feed as
 * the booking service's relay publishes it, the directory from the user feed. Invitations, updates and
 * cancellations reach each attendee once with their iCalendar object (read back with ical.js); meeting
 * reminders fire once, not for someone who declined, never after a cancellation; a webhook subscriber
 * gets the meeting's public facts only (signed, to a real HTTP receiver). Own database, topic copies,
 * group and queue.
 */
describe('Meeting notices', () => {
  let notification: NotificationHarness;
  let api: GrpcTestClient;
  let receiver: Server;
  let receiverUrl: string;
  /** Every webhook POST the receiver got, raw. */
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const runId = randomUUID().slice(0, 8);

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          path: request.url ?? '/',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        response.statusCode = 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // Reminders with an offset's "minute" lasting a second: a reminder `n minutes` before fires n seconds before.
    notification = await startNotificationHarness({
      name: 'meetings',
      reminders: true,
      env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }, // the receiver listens on 127.0.0.1
    });
    api = grpcClient(
      notification.service.grpcAddress,
      'roomledger/notification/v1/notification.proto',
      'roomledger.notification.v1.NotificationService',
    );
  }, 120_000);

  afterAll(async () => {
    api?.close();
    await notification?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const register = (name: string, timeZone = 'Europe/Berlin'): Promise<UserProfile> =>
    notification.register({ name, timeZone, channels: ['email', 'in-app'], reminderOffsetsMinutes: [1440] });

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
    await notification.publish('meeting.events.v1', message);
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

  /** An attendee who has not answered yet. */
  const invited = (person: UserProfile, required = true) =>
    ({ userId: person.userId, required, response: 'needs-action' }) as const;

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
      ...meetingOf(olga, [invited(bea), invited(cy, false)], 7 * 24 * 3600),
      title: `Quarterly planning ${runId}`,
    };
    const scheduled = { ...publicMeeting(meeting), scheduledBy: olga.userId };
    const eventId = randomUUID();
    await publish('scheduled', scheduled, eventId);
    // The relay sends it again (a retry after a lost acknowledgement): same event id, same message.
    await notification.publish(
      'meeting.events.v1',
      meetingMessage(
        'scheduled',
        { ...scheduled, occurredAt: new Date().toISOString(), streamRevision: revision },
        eventId,
      ),
    );

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
    await publish(
      'updated',
      organizerUpdates(meeting, {
        sequence: 1,
        scope: 'all',
        changed: ['start', 'end'],
        timeChanged: true,
        meeting: publicMeeting(later),
        removedAttendees: [],
      }),
    );
    await publish('cancelled', organizerCancels(meeting, { sequence: 2, scope: 'all' }));
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
    const { rows } = await notification.database.pool.query<{ kind: string }>(
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
      ...meetingOf(olga, [invited(bea), invited(cy)], 12),
      reminderMinutes: [4],
    };
    const dropped = {
      ...meetingOf(olga, [invited(bea)], 12),
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
    await publish('cancelled', organizerCancels(dropped, { sequence: 1, scope: 'all' }));
    await eventually(async () => {
      const { rows } = await notification.database.pool.query<{
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
    const { rows } = await notification.database.pool.query(
      `select 1 from notification.inbox_items where kind = 'meeting-reminder' and subject = $1`,
      [dropped.meetingId],
    );
    expect(rows).toEqual([]);
  }, 90_000);

  it('sends a meeting webhook with the public facts only: no address or name, only the wanted type', async () => {
    const olga = await register(`Olga Organova ${runId}`);
    const bea = await register(`Bea Attendova ${runId}`);
    const guest = `guest-${runId}@partner.example.test`;
    const created = await api.call<{ subscription: { id: string }; secret: string }>(
      'CreateWebhookSubscription',
      { url: `${receiverUrl}/olga-${runId}`, eventTypes: ['roomledger.meeting.scheduled.v1'] },
      { 'x-roomledger-user-id': olga.userId, 'x-roomledger-roles': 'member' },
    );
    const meeting = {
      ...meetingOf(
        olga,
        [invited(bea), { email: guest, required: false, response: 'needs-action' } as const],
        7 * 24 * 3600,
      ),
      title: `Partner sync ${runId}`,
    };
    const scheduled = randomUUID();
    await publish('scheduled', { ...publicMeeting(meeting), scheduledBy: olga.userId }, scheduled);
    // The guest answers: the organizer hears of it (inbox), but the subscription does not want this type.
    const responded = randomUUID();
    await publish(
      'invitation-responded',
      { meetingId: meeting.meetingId, attendee: { email: guest }, response: 'accepted' },
      responded,
    );
    await eventually(async () => {
      const { rows } = await notification.database.pool.query<{ kind: string }>(
        `select kind from notification.inbox_items where recipient_id = $1 and subject = $2 order by position`,
        [olga.userId, meeting.meetingId],
      );
      expect(rows.map((row) => row.kind)).toEqual(['meeting-invitation', 'meeting-response']);
    }, 30_000);
    // A later event the subscription wants, published only after the response went through the intake.
    const later = { ...meetingOf(olga, [invited(bea)], 8 * 24 * 3600), title: `Follow-up ${runId}` };
    const laterScheduled = randomUUID();
    await publish('scheduled', { ...publicMeeting(later), scheduledBy: olga.userId }, laterScheduled);

    const path = `/olga-${runId}`;
    const deliveries = await eventually(async () => {
      const mine = received.filter((each) => each.path === path);
      expect(mine.map((each) => each.headers[WebhookHeaders.eventId.toLowerCase()])).toContain(
        laterScheduled,
      );
      return mine;
    }, 30_000);
    // Exactly the two scheduled events, once each; the response was never recorded for the subscription.
    expect(deliveries.map((each) => each.headers[WebhookHeaders.eventId.toLowerCase()]).sort()).toEqual(
      [scheduled, laterScheduled].sort(),
    );
    const { rows: logged } = await notification.database.pool.query<{ event_id: string }>(
      `select event_id from notification.deliveries where channel = 'webhook' and recipient_id = $1`,
      [created.subscription.id],
    );
    expect(logged.map((row) => row.event_id).sort()).toEqual([scheduled, laterScheduled].sort());

    const delivery = deliveries.find(
      (each) => each.headers[WebhookHeaders.eventId.toLowerCase()] === scheduled,
    )!;
    const signature = String(delivery.headers[WebhookHeaders.signature.toLowerCase()]);
    expect(verifyWebhook(created.secret, delivery.body, signature, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifyWebhook('whsec_someone_else', delivery.body, signature, Math.floor(Date.now() / 1000))).toBe(
      false,
    );
    expect(delivery.headers[WebhookHeaders.eventType.toLowerCase()]).toBe('roomledger.meeting.scheduled.v1');
    expect(JSON.parse(delivery.body)).toMatchObject({
      id: scheduled,
      type: 'roomledger.meeting.scheduled.v1',
      kind: 'meeting-invitation',
      subject: meeting.meetingId,
      data: {
        meeting: {
          meetingId: meeting.meetingId,
          title: meeting.title,
          // The same instants (the service writes them with milliseconds).
          start: new Date(meeting.start).toISOString(),
          end: new Date(meeting.end).toISOString(),
        },
      },
    });
    // No personal data anywhere in the raw body: not the guest's address, no user's address or name.
    for (const personal of [guest, olga.email, bea.email, olga.name, bea.name, 'Olga', 'Bea'])
      expect(delivery.body).not.toContain(personal);
    expect(delivery.body).not.toContain('@');
  }, 90_000);
});
