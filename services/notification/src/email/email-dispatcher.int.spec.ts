import { randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  eventually,
  freePort,
  mailbox,
  testStack,
  type TestDatabase,
} from '@roomledger/testing';
import { Pool } from 'pg';
import { pino } from 'pino';
import { eraseRecipient, saveRecipient } from '../directory/recipient-directory';
import { bookingNotice, type Notice, type Recipient, type RetryPolicy } from '../domain';
import { inTransaction, migrate } from '../persistence/schema';
import { bookingMessage, bookingPayload, type BookingState } from '../testing/feed-messages.fixtures';
import { validateNotificationEvent } from '../testing/notification-schemas.fixtures';
import type { NotificationEventType } from '../delivery-log/notification-events';
import { EmailChannel } from './email-channel';
import { EmailDispatcher, type EmailDispatcherOptions } from './email-dispatcher';
import { SmtpMailer, type SendResult } from './smtp-mailer';

/**
 * The e-mail channel's delivery guarantees on real PostgreSQL and the real SMTP server (MailDev): what
 * happens when an instance dies between sending and recording, when two instances share the work, when
 * the server is unreachable, and when the person is erased or not known yet. Each test has its own
 * database; mails are told apart by their unique addresses.
 */
describe('Sending e-mail', () => {
  const logger = pino({ level: 'silent' });
  const runId = randomUUID().slice(0, 8);
  const retry: RetryPolicy = { maxAttempts: 3, resendUncertain: false, delayAfter: () => 100 };
  const cleanup: (() => Promise<unknown>)[] = [];
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase('rl_notification_email');
    await migrate(database.pool);
  });

  afterEach(async () => {
    for (const undo of cleanup.splice(0).reverse()) await undo();
    await database.drop();
  });

  const mailer = (url = testStack.smtpUrl) => {
    const created = new SmtpMailer({
      url,
      from: 'roomledger <no-reply@roomledger.local>',
      connections: 2,
      timeoutMs: 5_000,
    });
    cleanup.push(async () => created.close());
    return created;
  };

  const dispatcher = (options: Partial<EmailDispatcherOptions> = {}) => {
    const started = new EmailDispatcher({
      pool: database.pool,
      mailer: mailer(),
      logger,
      retry,
      concurrency: 4,
      abandonedAfterMs: 60_000,
      pollIntervalMs: 100,
      ...options,
    });
    started.start();
    cleanup.push(() => started.stop());
    return started;
  };

  const person = (overrides: Partial<Recipient> = {}): Recipient => {
    const userId = randomUUID();
    return {
      userId,
      version: 1,
      email: `mail-${runId}-${userId.slice(0, 8)}@example.test`,
      name: 'Ada Lovelace',
      timeZone: 'Europe/Berlin',
      channels: ['email'],
      deactivated: false,
      ...overrides,
    };
  };

  let revision = 0;
  /** A booking event's notice, from a payload the booking feed's schema accepts. */
  const notice = (name: 'confirmed' | 'rescheduled' | 'cancelled', booking: BookingState): Notice => {
    const extra: Record<string, Record<string, unknown>> = {
      confirmed: {},
      rescheduled: {
        previous: { start: booking.start, end: booking.end },
        rescheduledBy: booking.organizerId,
      },
      cancelled: { cancelledBy: booking.organizerId, previousStatus: 'confirmed' },
    };
    const message = bookingMessage(name, bookingPayload(name, booking, extra[name]));
    const headers = message.headers as Record<string, string>;
    return bookingNotice({
      id: headers.ce_id,
      type: headers.ce_type,
      subject: headers.ce_subject,
      data: JSON.parse(String(message.value)),
    })!;
  };
  const bookingFor = (organizerId: string, version = 1): BookingState => ({
    bookingId: randomUUID(),
    roomId: `room-${runId}`,
    organizerId,
    start: '2030-07-01T14:00:00Z',
    end: '2030-07-01T15:00:00Z',
    title: 'Planning',
    version,
    streamRevision: (revision += 1),
    occurredAt: new Date().toISOString(),
  });

  /** What the consuming transaction does for an event: the recipient known (or not), the delivery recorded. */
  const owe = (recipient: Recipient | undefined, ...notices: Notice[]) =>
    inTransaction(database.pool, async (tx) => {
      if (recipient) await saveRecipient(tx, recipient);
      for (const each of notices) await new EmailChannel({ maxEventAgeMs: 60_000 }).accept(tx, each, {});
    });

  const deliveries = async () =>
    (
      await database.pool.query<{ id: string; status: string; attempts: number; last_error: string | null }>(
        'select id, status, attempts, last_error from notification.deliveries order by position',
      )
    ).rows;
  const events = async () =>
    (
      await database.pool.query<{ type: NotificationEventType; payload: Record<string, unknown> }>(
        'select type, payload from notification.outbox order by position',
      )
    ).rows;

  describe('When the instance sending an e-mail dies before recording that it did', () => {
    /** An instance that sends for real, then freezes before recording it (its pool is ended: it is gone). */
    const dyingInstance = async () => {
      const pool = new Pool({ connectionString: database.url, max: 2 });
      pool.on('error', () => undefined);
      const real = mailer();
      let revive: () => void = () => undefined;
      const frozen = new Promise<void>((resolve) => (revive = resolve));
      const instance = new EmailDispatcher({
        pool,
        mailer: {
          send: async (message, id): Promise<SendResult> => {
            const result = await real.send(message, id);
            await frozen;
            return result;
          },
        },
        logger,
        retry,
        concurrency: 1,
        abandonedAfterMs: 60_000,
        pollIntervalMs: 100,
      });
      instance.start();
      cleanup.push(async () => {
        revive();
        await instance.stop();
      });
      return { pool };
    };

    it('is not sent again (at most once): the survivor dead-letters it as outcome unknown, and says so', async () => {
      const ada = person();
      await owe(ada, notice('confirmed', bookingFor(ada.userId)));
      const dying = await dyingInstance();
      await mailbox.waitFor(ada.email, 1);
      expect((await deliveries())[0]).toMatchObject({ status: 'sending', attempts: 1 });
      await dying.pool.end();

      dispatcher({ abandonedAfterMs: 500 });
      await eventually(async () =>
        expect((await deliveries())[0]).toMatchObject({
          status: 'dead_lettered',
          attempts: 1,
          last_error: 'the instance sending it stopped before recording the outcome',
        }),
      );
      const [event] = await events();
      expect(event).toMatchObject({
        type: 'dead-lettered',
        payload: { reason: 'outcome_unknown', attempts: 1 },
      });
      expect(validateNotificationEvent(event.type, event.payload)).toEqual({ valid: true });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await mailbox.to(ada.email)).toHaveLength(1);
    });

    it('is sent again with the same Message-ID when the deployment chose at least once', async () => {
      const ada = person();
      await owe(ada, notice('confirmed', bookingFor(ada.userId)));
      const dying = await dyingInstance();
      await mailbox.waitFor(ada.email, 1);
      await dying.pool.end();

      dispatcher({ abandonedAfterMs: 500, retry: { ...retry, resendUncertain: true } });
      await eventually(async () =>
        expect((await deliveries())[0]).toMatchObject({ status: 'sent', attempts: 2 }),
      );
      const mails = await mailbox.waitFor(ada.email, 2);
      expect(mails.map((mail) => mail.headers['message-id'])).toEqual([
        `<${(await deliveries())[0].id}@roomledger.local>`,
        `<${(await deliveries())[0].id}@roomledger.local>`,
      ]);
      expect((await events()).map((event) => event.type)).toEqual(['failed', 'sent']);
    });
  });

  it('sends each e-mail once when two instances share the work', async () => {
    const people = Array.from({ length: 10 }, () => person());
    for (const each of people)
      await owe(
        each,
        notice('confirmed', bookingFor(each.userId)),
        notice('confirmed', bookingFor(each.userId)),
      );
    dispatcher();
    dispatcher();
    await eventually(
      async () => expect((await deliveries()).every((row) => row.status === 'sent')).toBe(true),
      20_000,
    );
    for (const each of people) {
      const mails = await mailbox.waitFor(each.email, 2);
      expect(mails).toHaveLength(2);
      expect(new Set(mails.map((mail) => mail.headers['message-id'])).size).toBe(2);
    }
    expect((await deliveries()).every((row) => row.attempts === 1)).toBe(true);
    const published = await events();
    expect(published).toHaveLength(20);
    for (const event of published)
      expect(validateNotificationEvent(event.type, event.payload)).toEqual({ valid: true });
  });

  it('sends a booking’s mails in the order of its events, each waiting for the one before', async () => {
    const ada = person();
    const booking = bookingFor(ada.userId);
    await owe(
      ada,
      notice('confirmed', booking),
      notice('rescheduled', {
        ...booking,
        start: '2030-07-01T15:00:00Z',
        end: '2030-07-01T16:00:00Z',
        version: 2,
      }),
      notice('cancelled', { ...booking, version: 3 }),
    );
    dispatcher({ concurrency: 8 });
    const mails = await mailbox.waitFor(ada.email, 3);
    expect(mails.map((mail) => mail.subject.split(':')[0])).toEqual([
      'Booking confirmed',
      'Booking changed',
      'Booking cancelled',
    ]);
  });

  it('retries an unreachable server (nothing was delivered), then dead-letters, each step a public event', async () => {
    const ada = person();
    await owe(ada, notice('confirmed', bookingFor(ada.userId)));
    dispatcher({ mailer: mailer(`smtp://127.0.0.1:${await freePort()}`) });
    await eventually(async () =>
      expect((await deliveries())[0]).toMatchObject({ status: 'dead_lettered', attempts: 3 }),
    );
    const published = await events();
    expect(published.map((event) => event.type)).toEqual(['failed', 'failed', 'dead-lettered']);
    expect(published[2].payload).toMatchObject({
      reason: 'attempts_exhausted',
      attempts: 3,
      recipientId: ada.userId,
    });
    for (const event of published) {
      expect(validateNotificationEvent(event.type, event.payload)).toEqual({ valid: true });
      expect(JSON.stringify(event.payload)).not.toContain('@example.test');
    }
  });

  it('sends nothing to a person erased while their e-mail waited', async () => {
    const ada = person();
    await owe(ada, notice('confirmed', bookingFor(ada.userId)));
    await inTransaction(database.pool, (tx) => eraseRecipient(tx, ada.userId, new Date().toISOString()));
    expect((await deliveries())[0]).toMatchObject({ status: 'cancelled', last_error: 'recipient erased' });
    const { rows } = await database.pool.query('select * from notification.recipients where user_id = $1', [
      ada.userId,
    ]);
    expect(rows).toEqual([]);
    dispatcher();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await mailbox.to(ada.email)).toEqual([]);
  });

  it('waits for a person the directory learns of only later (the user feed was behind)', async () => {
    const ada = person();
    await owe(undefined, notice('confirmed', bookingFor(ada.userId)));
    dispatcher({ retry: { ...retry, maxAttempts: 50, delayAfter: () => 200 } });
    await eventually(async () => expect((await deliveries())[0]).toMatchObject({ status: 'failed' }));
    await inTransaction(database.pool, (tx) => saveRecipient(tx, ada));
    await mailbox.waitFor(ada.email, 1);
    await eventually(async () => expect((await deliveries())[0]).toMatchObject({ status: 'sent' }));
  });
});
