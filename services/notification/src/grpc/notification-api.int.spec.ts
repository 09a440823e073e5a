import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  Metadata,
  credentials,
  loadPackageDefinition,
  type ClientReadableStream,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createKafka } from '@roomledger/messaging';
import {
  createFeedTopics,
  createTestDatabase,
  eventually,
  grpcClient,
  startTestService,
  testStack,
  uniqueGroupId,
  type FeedTopics,
  type GrpcTestClient,
  type TestDatabase,
} from '@roomledger/testing';
import type { Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { startNotification } from '../app.module';
import { configSchema } from '../config';
import {
  bookingMessage,
  bookingPayload,
  userMessage,
  userPayload,
  type BookingState,
  type UserProfile,
} from '../testing/feed-messages.fixtures';
import { verifyWebhook, WebhookHeaders } from '../webhook/signature';

type Started = Awaited<ReturnType<typeof startTestService>>;

interface InboxItemReply {
  id: string;
  position: string;
  kind: string;
  subject: string;
  title: string;
  body: string;
  dataJson: string;
  readAt: string;
}
interface InboxPage {
  items: InboxItemReply[];
  nextCursor: string;
  unreadCount: number;
}
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * The notification service's gRPC API on real PostgreSQL and Kafka: the in-app inbox (list, mark read,
 * the live stream) and webhooks (subscriptions, signed deliveries to a real HTTP receiver, retries,
 * pausing after dead deliveries, redelivery). Booking events are produced as the booking relay produces
 * them, on this test's own database, topic copies and consumer group.
 */
describe('The notification API', () => {
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let feeds: FeedTopics;
  let notification: Started;
  let api: GrpcTestClient;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  /** What the receiver answers, by path (default 204). */
  const answers = new Map<string, number>();
  const streams: ClientReadableStream<unknown>[] = [];
  const runId = randomUUID().slice(0, 8);
  let revision = 0;

  beforeAll(async () => {
    database = await createTestDatabase('rl_notification_api');
    kafka = createKafka({
      clientId: 'notification-api-it',
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

    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.statusCode = answers.get(path) ?? 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    notification = await startTestService({
      schema: configSchema,
      start: startNotification,
      service: 'notification',
      env: {
        DATABASE_URL: database.url,
        NOTIFICATION_GROUP_ID: uniqueGroupId('notification-api-it'),
        REMINDERS_ENABLED: 'false', // reminders.int.spec.ts runs them on its own queue
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_RETRY_INITIAL_MS: '50',
        WEBHOOK_MAX_ATTEMPTS: '2',
        WEBHOOK_PAUSE_AFTER_DEAD: '2',
        WEBHOOK_TIMEOUT_MS: '2000',
        WEBHOOK_SECRET_ROTATION_GRACE_SECONDS: '2',
        ...feeds.env,
      },
    });
    api = grpcClient(
      notification.grpcAddress,
      'roomledger/notification/v1/notification.proto',
      'roomledger.notification.v1.NotificationService',
    );
    await eventually(async () => {
      const report = (await (await fetch(`${notification.httpUrl}/health/ready`)).json()) as {
        checks: { read_model?: { intake?: string; inbox?: string } };
      };
      expect(report.checks.read_model?.intake).toBe('running');
      expect(report.checks.read_model?.inbox).toBe('listening');
    }, 30_000);
  });

  afterAll(async () => {
    for (const stream of streams) stream.cancel();
    api?.close();
    await notification?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    await producer?.disconnect();
    await feeds?.delete();
    await database?.drop();
  });

  const as = (userId: string) => ({ 'x-roomledger-user-id': userId, 'x-roomledger-roles': 'member' });

  const register = async (channels: string[] = ['email', 'in-app']): Promise<UserProfile> => {
    const userId = randomUUID();
    const user: UserProfile = {
      userId,
      version: 1,
      email: `api-${runId}-${userId.slice(0, 8)}@example.test`,
      name: 'Grace Hopper',
      timeZone: 'Europe/Berlin',
      channels,
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

  const bookingOf = (organizerId: string): BookingState => ({
    bookingId: randomUUID(),
    roomId: `room-${runId}`,
    organizerId,
    start: '2030-07-01T14:00:00Z',
    end: '2030-07-01T15:00:00Z',
    title: `Planning ${runId}`,
    version: 1,
    streamRevision: (revision += 1),
    occurredAt: new Date().toISOString(),
  });

  /** Publishes a booking event as the booking relay does; returns its event id. */
  const publish = async (name: 'confirmed' | 'cancelled', booking: BookingState, eventId = randomUUID()) => {
    const extra =
      name === 'cancelled' ? { cancelledBy: booking.organizerId, previousStatus: 'confirmed' } : {};
    const payload = bookingPayload(name, { ...booking, occurredAt: new Date().toISOString() }, extra);
    await producer.send({
      topic: feeds.topic('booking.events.v1'),
      messages: [bookingMessage(name, payload, eventId)],
    });
    return eventId;
  };

  const inbox = (userId: string, request: object = {}) =>
    api.call<InboxPage>('ListInbox', request, as(userId));

  /** A StreamInbox call's items as they arrive. */
  const openStream = (userId: string, request: object = {}) => {
    const definition = loadSync(
      join(__dirname, '../../../../libs/contracts/proto/roomledger/notification/v1/notification.proto'),
      { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true },
    );
    const loaded = loadPackageDefinition(definition) as unknown as {
      roomledger: { notification: { v1: { NotificationService: ServiceClientConstructor } } };
    };
    const client = new loaded.roomledger.notification.v1.NotificationService(
      notification.grpcAddress,
      credentials.createInsecure(),
    );
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(as(userId))) metadata.set(key, value);
    const call = (
      client as unknown as { StreamInbox: (r: object, m: Metadata) => ClientReadableStream<InboxItemReply> }
    ).StreamInbox(request, metadata);
    const items: InboxItemReply[] = [];
    call.on('data', (item: InboxItemReply) => items.push(item));
    call.on('error', () => undefined); // cancelled at the end
    streams.push(call as ClientReadableStream<unknown>);
    return { items, call, close: () => client.close() };
  };

  const grpcCode = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: ServiceError) => error.code,
    );

  describe('in-app inbox', () => {
    it('stores one item per event for the organizer, pushes it to the open stream, and lists it unread', async () => {
      const ada = await register();
      const stream = openStream(ada.userId);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the stream is open before the event

      const booking = bookingOf(ada.userId);
      const eventId = randomUUID();
      await publish('confirmed', booking, eventId);
      await publish('confirmed', booking, eventId); // the same event again: still one item

      await eventually(() => expect(stream.items).toHaveLength(1), 30_000);
      const [pushed] = stream.items;
      expect(pushed).toMatchObject({ kind: 'booking-confirmed', subject: booking.bookingId, readAt: '' });
      expect(pushed!.title).toContain(`Planning ${runId}`);
      expect(JSON.parse(pushed!.dataJson)).toMatchObject({ booking: { bookingId: booking.bookingId } });

      const page = await inbox(ada.userId);
      expect(page.items.map((item) => item.id)).toEqual([pushed!.id]);
      expect(page.unreadCount).toBe(1);
      expect(page.nextCursor).toBe('');
      stream.close();
    });

    it('pages newest first, filters unread, marks one or all read, and shows nobody else the items', async () => {
      const bea = await register();
      const other = await register();
      const bookings = [bookingOf(bea.userId), bookingOf(bea.userId), bookingOf(bea.userId)];
      for (const booking of bookings) await publish('confirmed', booking);
      await eventually(async () => expect((await inbox(bea.userId)).unreadCount).toBe(3), 30_000);

      const first = await inbox(bea.userId, { pageSize: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).not.toBe('');
      const second = await inbox(bea.userId, { pageSize: 2, cursor: first.nextCursor });
      expect(second.items).toHaveLength(1);
      expect(second.nextCursor).toBe('');
      const subjects = [...first.items, ...second.items].map((item) => item.subject);
      expect(subjects).toEqual(bookings.map((booking) => booking.bookingId).reverse());

      const newest = first.items[0]!;
      expect(await grpcCode(api.call('MarkInboxRead', { itemId: newest.id }, as(other.userId)))).toBe(5);
      expect(await api.call('MarkInboxRead', { itemId: newest.id }, as(bea.userId))).toEqual({ marked: 1 });
      const unread = await inbox(bea.userId, { unreadOnly: true });
      expect(unread.items.map((item) => item.id)).not.toContain(newest.id);
      expect(unread.unreadCount).toBe(2);

      expect(await api.call('MarkInboxRead', { all: true }, as(bea.userId))).toEqual({ marked: 2 });
      expect((await inbox(bea.userId)).unreadCount).toBe(0);
      expect((await inbox(other.userId)).items).toEqual([]);
      expect(await grpcCode(inbox(bea.userId, { cursor: 'nonsense' }))).toBe(3);
    });

    it('resumes a stream after a position, and leaves out whoever turned in-app off', async () => {
      const cy = await register();
      await publish('confirmed', bookingOf(cy.userId));
      await eventually(async () => expect((await inbox(cy.userId)).items).toHaveLength(1), 30_000);
      const stream = openStream(cy.userId, { afterPosition: '0' });
      await eventually(() => expect(stream.items).toHaveLength(1), 10_000);
      stream.close();

      const quiet = await register(['email']);
      await publish('confirmed', bookingOf(quiet.userId));
      await publish('confirmed', bookingOf(cy.userId)); // behind it on the same partition (same room key)
      await eventually(async () => expect((await inbox(cy.userId)).items).toHaveLength(2), 30_000);
      expect((await inbox(quiet.userId)).items).toEqual([]);
    });

    it('refuses a call without a caller', async () => {
      expect(await grpcCode(api.call('ListInbox', {}))).toBe(16);
    });
  });

  describe('webhooks', () => {
    it('delivers the wanted event types, signed, with the documented headers, and redelivers on request', async () => {
      const dan = await register();
      const created = await api.call<{ subscription: { id: string; status: string }; secret: string }>(
        'CreateWebhookSubscription',
        { url: `${receiverUrl}/dan`, eventTypes: ['roomledger.booking.confirmed.v1'] },
        as(dan.userId),
      );
      expect(created.secret).toMatch(/^whsec_/);
      expect(created.subscription.status).toBe('active');
      const listed = await api.call<{ subscriptions: Record<string, unknown>[] }>(
        'ListWebhookSubscriptions',
        {},
        as(dan.userId),
      );
      expect(listed.subscriptions).toHaveLength(1);
      expect(JSON.stringify(listed)).not.toContain(created.secret);

      const booking = bookingOf(dan.userId);
      const confirmed = await publish('confirmed', booking);
      await publish('cancelled', { ...booking, version: 2 });
      await eventually(async () => {
        // the cancellation went through the intake (its inbox item exists) but is not wanted here
        expect((await inbox(dan.userId)).items).toHaveLength(2);
        expect(received.filter((each) => each.path === '/dan')).toHaveLength(1);
      }, 30_000);
      const [delivery] = received.filter((each) => each.path === '/dan');
      const signature = String(delivery!.headers[WebhookHeaders.signature.toLowerCase()]);
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const now = Math.floor(Date.now() / 1000);
      expect(verifyWebhook(created.secret, delivery!.body, signature, now)).toBe(true);
      expect(verifyWebhook(created.secret, `${delivery!.body} `, signature, now)).toBe(false);
      expect(verifyWebhook(created.secret, delivery!.body, signature, now + 301)).toBe(false);
      expect(delivery!.headers[WebhookHeaders.eventId.toLowerCase()]).toBe(confirmed);
      expect(delivery!.headers[WebhookHeaders.eventType.toLowerCase()]).toBe(
        'roomledger.booking.confirmed.v1',
      );
      expect(JSON.parse(delivery!.body)).toMatchObject({
        id: confirmed,
        type: 'roomledger.booking.confirmed.v1',
        kind: 'booking-confirmed',
        subject: booking.bookingId,
        data: { booking: { bookingId: booking.bookingId } },
      });
      await eventually(async () => {
        const { rows } = await database.pool.query(
          `select status from notification.deliveries where channel = 'webhook' and recipient_id = $1`,
          [created.subscription.id],
        );
        expect(rows).toEqual([{ status: 'sent' }]);
      });

      const position = String(delivery!.headers[WebhookHeaders.position.toLowerCase()]);
      expect(
        await api.call(
          'RedeliverWebhooks',
          { subscriptionId: created.subscription.id, fromPosition: position },
          as(dan.userId),
        ),
      ).toEqual({ queued: 1 });
      await eventually(() => expect(received.filter((each) => each.path === '/dan')).toHaveLength(2), 30_000);
      expect(
        received.filter((each) => each.path === '/dan')[1]!.headers[WebhookHeaders.eventId.toLowerCase()],
      ).toBe(confirmed);

      const other = await register();
      expect(
        await grpcCode(
          api.call(
            'DeleteWebhookSubscription',
            { subscriptionId: created.subscription.id },
            as(other.userId),
          ),
        ),
      ).toBe(5);
      await api.call(
        'DeleteWebhookSubscription',
        { subscriptionId: created.subscription.id },
        as(dan.userId),
      );
      expect(
        (await api.call<{ subscriptions: unknown[] }>('ListWebhookSubscriptions', {}, as(dan.userId)))
          .subscriptions,
      ).toEqual([]);
    });

    it('retries a failing receiver, pauses the subscription after consecutive dead deliveries and tells the owner', async () => {
      const eve = await register();
      answers.set('/eve', 500);
      const { subscription } = await api.call<{ subscription: { id: string } }>(
        'CreateWebhookSubscription',
        { url: `${receiverUrl}/eve` },
        as(eve.userId),
      );
      await publish('confirmed', bookingOf(eve.userId));
      await publish('confirmed', bookingOf(eve.userId));

      await eventually(async () => {
        const listed = await api.call<{ subscriptions: { status: string; consecutiveDead: number }[] }>(
          'ListWebhookSubscriptions',
          {},
          as(eve.userId),
        );
        expect(listed.subscriptions[0]).toMatchObject({ status: 'paused', consecutiveDead: 2 });
      }, 30_000);
      expect(received.filter((each) => each.path === '/eve')).toHaveLength(4); // 2 deliveries × 2 attempts
      const told = (await inbox(eve.userId)).items.find((item) => item.kind === 'webhook-paused');
      expect(told).toMatchObject({ subject: subscription.id });
      const { rows } = await database.pool.query(
        `select status, attempts from notification.deliveries where channel = 'webhook' and recipient_id = $1`,
        [subscription.id],
      );
      expect(rows).toEqual([
        { status: 'dead_lettered', attempts: 2 },
        { status: 'dead_lettered', attempts: 2 },
      ]);

      // While paused, new deliveries wait; once the receiver works, a redelivery resumes and sends all.
      await publish('confirmed', bookingOf(eve.userId));
      await eventually(async () => {
        const { rowCount } = await database.pool.query(
          `select 1 from notification.deliveries where channel = 'webhook' and recipient_id = $1 and status = 'pending'`,
          [subscription.id],
        );
        expect(rowCount).toBe(1);
      }, 30_000);
      answers.set('/eve', 200);
      expect(
        await api.call('RedeliverWebhooks', { subscriptionId: subscription.id }, as(eve.userId)),
      ).toEqual({ queued: 3 });
      await eventually(async () => {
        const { rows: sent } = await database.pool.query(
          `select status from notification.deliveries where channel = 'webhook' and recipient_id = $1 and status = 'sent'`,
          [subscription.id],
        );
        expect(sent).toHaveLength(3);
      }, 30_000);
    });

    it('rotates the secret: deliveries verify with the new and the previous one, after the grace period with the new one only', async () => {
      const gus = await register();
      const created = await api.call<{ subscription: { id: string }; secret: string }>(
        'CreateWebhookSubscription',
        { url: `${receiverUrl}/gus`, eventTypes: ['roomledger.booking.confirmed.v1'] },
        as(gus.userId),
      );
      const subscriptionId = created.subscription.id;
      const toGus = () => received.filter((each) => each.path === '/gus');
      const signatureOf = (delivery: Received) =>
        String(delivery.headers[WebhookHeaders.signature.toLowerCase()]);
      const now = () => Math.floor(Date.now() / 1000);

      const first = await publish('confirmed', bookingOf(gus.userId));
      await eventually(() => expect(toGus()).toHaveLength(1), 30_000);
      const before = toGus()[0]!;
      expect(before.headers[WebhookHeaders.eventId.toLowerCase()]).toBe(first);
      expect(signatureOf(before)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifyWebhook(created.secret, before.body, signatureOf(before), now())).toBe(true);
      await eventually(async () => {
        const { rows } = await database.pool.query(
          `select status from notification.deliveries where channel = 'webhook' and recipient_id = $1`,
          [subscriptionId],
        );
        expect(rows).toEqual([{ status: 'sent' }]);
      });

      // Only the owner may rotate; anyone else (or an id that is no subscription) hears NOT_FOUND.
      const other = await register();
      expect(await grpcCode(api.call('RotateWebhookSecret', { subscriptionId }, as(other.userId)))).toBe(5);
      expect(
        await grpcCode(api.call('RotateWebhookSecret', { subscriptionId: 'nonsense' }, as(gus.userId))),
      ).toBe(5);
      expect(await grpcCode(api.call('RotateWebhookSecret', {}, as(gus.userId)))).toBe(3);
      expect(await grpcCode(api.call('RotateWebhookSecret', { subscriptionId }))).toBe(16);

      const rotated = await api.call<{
        subscription: { id: string; status: string };
        secret: string;
        previousSecretExpiresAt: string;
      }>('RotateWebhookSecret', { subscriptionId }, as(gus.userId));
      expect(rotated.subscription).toMatchObject({ id: subscriptionId, status: 'active' });
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(created.secret);
      expect(new Date(rotated.previousSecretExpiresAt).toISOString()).toBe(rotated.previousSecretExpiresAt);
      const listed = await api.call('ListWebhookSubscriptions', {}, as(gus.userId));
      expect(JSON.stringify(listed)).not.toContain(rotated.secret);

      // The next delivery, within the grace period: two v1s, the new secret's first; either verifies.
      expect(await api.call('RedeliverWebhooks', { subscriptionId }, as(gus.userId))).toEqual({ queued: 1 });
      await eventually(() => expect(toGus()).toHaveLength(2), 30_000);
      const during = toGus()[1]!;
      expect(during.headers[WebhookHeaders.eventId.toLowerCase()]).toBe(first);
      const both = /^t=(\d+),v1=([0-9a-f]{64}),v1=([0-9a-f]{64})$/.exec(signatureOf(during));
      expect(both).not.toBeNull();
      expect(verifyWebhook(rotated.secret, during.body, signatureOf(during), now())).toBe(true);
      expect(verifyWebhook(created.secret, during.body, signatureOf(during), now())).toBe(true);
      expect(verifyWebhook(rotated.secret, during.body, `t=${both![1]},v1=${both![2]}`, now())).toBe(true);
      expect(verifyWebhook(created.secret, during.body, `t=${both![1]},v1=${both![3]}`, now())).toBe(true);
      expect(verifyWebhook('whsec_someone_else', during.body, signatureOf(during), now())).toBe(false);

      // After the grace period (2 s here): the new secret only.
      const graceEnds = Date.parse(rotated.previousSecretExpiresAt);
      await eventually(() => expect(Date.now()).toBeGreaterThan(graceEnds + 100), 10_000);
      const second = await publish('confirmed', bookingOf(gus.userId));
      await eventually(() => expect(toGus()).toHaveLength(3), 30_000);
      const after = toGus()[2]!;
      expect(after.headers[WebhookHeaders.eventId.toLowerCase()]).toBe(second);
      expect(signatureOf(after)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifyWebhook(rotated.secret, after.body, signatureOf(after), now())).toBe(true);
      expect(verifyWebhook(created.secret, after.body, signatureOf(after), now())).toBe(false);
    });

    it('refuses invalid URLs and subscriptions without a caller', async () => {
      const fay = await register();
      const refusal = await api
        .call('CreateWebhookSubscription', { url: 'ftp://example.test/hook' }, as(fay.userId))
        .catch((error: ServiceError) => error);
      expect((refusal as ServiceError).code).toBe(3);
      expect(await grpcCode(api.call('CreateWebhookSubscription', { url: `${receiverUrl}/x` }))).toBe(16);
      expect(
        await grpcCode(
          api.call(
            'CreateWebhookSubscription',
            { url: `${receiverUrl}/x`, eventTypes: ['nonsense'] },
            as(fay.userId),
          ),
        ),
      ).toBe(3);
    });
  });
});
