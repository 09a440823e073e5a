import { randomUUID } from 'node:crypto';
import { createTestDatabase, eventually, testStack, type TestDatabase } from '@roomledger/testing';
import { pino } from 'pino';
import type { MeetingFacts } from '../domain';
import { saveMeeting } from '../meeting/meeting-copies';
import { migrate } from '../persistence/schema';
import { ReminderQueue } from '../reminder/reminder-queue';
import { Retention, type RetentionPolicy } from './retention';

const policy: RetentionPolicy = {
  deliveryLogDays: 90,
  inboxDedupeDays: 14,
  inboxItemsDays: 180,
  meetingCopyDays: 30,
};
const DAY_MS = 86_400_000;
/** A round that pruned nothing; rounds that did are this with their counts. */
const none = {
  deliveries: 0,
  inbox: 0,
  inbox_items: 0,
  reminders: 0,
  webhook_subscriptions: 0,
  meetings: 0,
};
const logger = pino({ level: 'silent' });

/**
 * Retention on real PostgreSQL (the service's migrations on a database of its own): one round deletes
 * exactly the rows that are old and no longer needed, in batches, and only the lease holder prunes.
 */
describe('Retention of the delivery log, consumed-message ids, in-app items, reminders, webhooks and meetings', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('rl_notification_retention');
    await migrate(database.pool);
  });

  afterAll(async () => {
    await database?.drop();
  });

  beforeEach(async () => {
    await database.pool.query(
      `truncate notification.deliveries, notification.inbox, notification.inbox_items, notification.reminders,
                notification.webhook_subscriptions, notification.meetings`,
    );
  });

  /** Retention in batches of `batchSize`, and what it reports pruning, batch by batch. */
  const recordingRetention = (batchSize: number) => {
    const pruned: [string, number][] = [];
    const retention = new Retention({
      pool: database.pool,
      logger,
      policy,
      batchSize,
      onPruned: (table, rows) => pruned.push([table, rows]),
    });
    return { retention, pruned };
  };

  /** A delivery-log row that reached `status` `ageDays` ago; returns its id. */
  const delivery = async (
    status: string,
    ageDays: number,
    { channel = 'email', eventId = randomUUID() }: { channel?: string; eventId?: string } = {},
  ) => {
    const id = randomUUID();
    await database.pool.query(
      `insert into notification.deliveries
         (id, event_id, event_type, subject, recipient_id, channel, kind, notice, status, occurred_at,
          created_at, updated_at)
       values ($1, $2, 'roomledger.booking.confirmed.v1', 'booking-1', 'user-1', $3, 'booking-confirmed', '{}',
               $4, now() - make_interval(days => $5), now() - make_interval(days => $5),
               now() - make_interval(days => $5))`,
      [id, eventId, channel, status, ageDays],
    );
    return id;
  };
  const consumed = async (ageDays: number) => {
    const eventId = randomUUID();
    await database.pool.query(
      `insert into notification.inbox (consumer_group, event_id, processed_at)
       values ('notification', $1, now() - make_interval(days => $2))`,
      [eventId, ageDays],
    );
    return eventId;
  };
  const item = async (ageDays: number, read: boolean) => {
    const id = randomUUID();
    await database.pool.query(
      `insert into notification.inbox_items
         (id, recipient_id, event_id, kind, subject, title, body, data, occurred_at, created_at, read_at)
       values ($1, 'user-1', $2, 'booking-confirmed', 'booking-1', 'Booked', 'Room 1', '{}',
               now() - make_interval(days => $3), now() - make_interval(days => $3),
               case when $4 then now() - make_interval(days => $3) end)`,
      [id, randomUUID(), ageDays, read],
    );
    return id;
  };
  /** A reminder row whose status was last changed `ageDays` ago. */
  const reminder = async (
    jobId: string,
    status: 'scheduled' | 'sent' | 'cancelled',
    {
      ageDays = 0,
      synced = true,
      subject = 'booking-1',
    }: { ageDays?: number; synced?: boolean; subject?: string } = {},
  ) => {
    await database.pool.query(
      `insert into notification.reminders
         (job_id, subject, kind, recipient_id, offset_minutes, fire_at, facts, status, synced, updated_at)
       values ($1, $4, 'booking-reminder', 'user-1', 15, now() + interval '1 day', '{}', $2, $3,
               now() - make_interval(days => $5))`,
      [jobId, status, synced, subject, ageDays],
    );
    return jobId;
  };
  const ids = async (table: string, column = 'id') =>
    (
      await database.pool.query<{ id: string }>(`select ${column}::text as id from notification.${table}`)
    ).rows
      .map((row) => row.id)
      .sort();

  it('deletes, in batches, exactly the old final deliveries, old consumed-message ids and old read items', async () => {
    const oldFinal = [
      await delivery('sent', 91),
      await delivery('sent', 120),
      await delivery('dead_lettered', 91, { channel: 'webhook' }),
      await delivery('cancelled', 200),
      await delivery('sent', 91, {
        channel: 'reminder',
        eventId: 'reminder_b1_u1_15@2026-01-01T09:45:00.000Z',
      }),
    ];
    await reminder('reminder_b1_u1_15', 'sent');
    const kept = [
      await delivery('pending', 120), // the dispatchers still owe these
      await delivery('sending', 120),
      await delivery('failed', 120),
      await delivery('sent', 89), // young
      await delivery('dead_lettered', 1, { channel: 'webhook' }),
      // a guard whose reminder is scheduled again (its job may fire): the at-most-once check needs it
      await delivery('sent', 120, {
        channel: 'reminder',
        eventId: 'reminder_b2_u1_60@2026-01-01T09:00:00.000Z',
      }),
    ];
    await reminder('reminder_b2_u1_60', 'scheduled');
    const oldIds = [await consumed(15), await consumed(30), await consumed(15)];
    const youngIds = [await consumed(13), await consumed(0)];
    const oldRead = [await item(181, true), await item(365, true)];
    const keptItems = [await item(365, false), await item(179, true), await item(0, false)];

    expect(await ids('deliveries')).toEqual([...oldFinal, ...kept].sort());
    expect(await ids('inbox', 'event_id')).toEqual([...oldIds, ...youngIds].sort());
    expect(await ids('inbox_items')).toEqual([...oldRead, ...keptItems].sort());

    const { retention, pruned } = recordingRetention(2);
    expect(await retention.pruneOnce()).toEqual({ ...none, deliveries: 5, inbox: 3, inbox_items: 2 });

    expect(await ids('deliveries')).toEqual([...kept].sort());
    expect(await ids('inbox', 'event_id')).toEqual([...youngIds].sort());
    expect(await ids('inbox_items')).toEqual([...keptItems].sort());
    // Statements of at most 2 rows, until one deleted fewer.
    expect(pruned).toEqual([
      ['deliveries', 2],
      ['deliveries', 2],
      ['deliveries', 1],
      ['inbox', 2],
      ['inbox', 1],
      ['inbox_items', 2],
    ]);

    expect(await retention.pruneOnce()).toEqual(none);
  });

  it('deletes reminders sent or cancelled longer than the delivery-log retention, once mirrored; a late job fires nothing', async () => {
    const gone = [
      await reminder('reminder_b1_u1_15', 'sent', { ageDays: 91 }),
      await reminder('reminder_b1_u1_60', 'cancelled', { ageDays: 91 }),
      await reminder('reminder_b3_u2_15', 'cancelled', { ageDays: 400 }),
    ];
    const kept = [
      await reminder('reminder_b2_u1_15', 'scheduled', { ageDays: 120 }), // may still fire
      await reminder('reminder_b2_u1_60', 'sent', { ageDays: 89 }), // young
      await reminder('reminder_b2_u1_1440', 'cancelled', { ageDays: 1 }),
      // cancelled, but its job is not out of Redis yet: the scheduler still has to remove it
      await reminder('reminder_b4_u1_15', 'cancelled', { ageDays: 120, synced: false }),
    ];
    // The guards: the sent reminder's goes with the delivery log, the scheduled one's stays.
    const sentGuard = await delivery('sent', 91, {
      channel: 'reminder',
      eventId: 'reminder_b1_u1_15@2026-01-01T09:45:00.000Z',
    });
    const scheduledGuard = await delivery('sent', 120, {
      channel: 'reminder',
      eventId: 'reminder_b2_u1_15@2026-01-01T09:45:00.000Z',
    });
    expect(await ids('reminders', 'job_id')).toEqual([...gone, ...kept].sort());

    const { retention, pruned } = recordingRetention(2);
    expect(await retention.pruneOnce()).toEqual({ ...none, deliveries: 1, reminders: 3 });
    expect(await ids('reminders', 'job_id')).toEqual([...kept].sort());
    expect(await ids('deliveries')).toEqual([scheduledGuard]);
    expect(await ids('deliveries')).not.toContain(sentGuard);
    expect(pruned).toEqual([
      ['deliveries', 1],
      ['reminders', 2],
      ['reminders', 1],
    ]);

    // A job of a pruned reminder that fires after all (left in Redis, or late) finds no row: no guard,
    // no delivery, nothing sent.
    const queue = new ReminderQueue({
      pool: database.pool,
      redisUrl: testStack.redisUrl,
      queueName: `retention-${randomUUID()}`,
      logger,
      channels: [],
      meetings: { defaultOffsetsMinutes: [15], minuteMs: 60_000 },
    });
    try {
      const fire = (queue as unknown as { fire(job: unknown): Promise<void> }).fire.bind(queue);
      for (const jobId of gone)
        await fire({ data: { jobId, fireAt: new Date(Date.now() - 60_000).toISOString() } });
    } finally {
      await queue.stop();
    }
    expect(await ids('deliveries')).toEqual([scheduledGuard]);
    expect(await ids('reminders', 'job_id')).toEqual([...kept].sort());
  });

  it('deletes webhook subscriptions deleted longer than the delivery-log retention once no delivery names them', async () => {
    const subscription = async ({
      deletedDaysAgo,
      status = 'active',
    }: { deletedDaysAgo?: number; status?: 'active' | 'paused' } = {}) => {
      const id = randomUUID();
      await database.pool.query(
        `insert into notification.webhook_subscriptions
           (id, owner_id, url, event_types, secret, status, created_at, deleted_at)
         values ($1, 'user-1', 'https://example.com/hook', '{}', 'whsec_x', $2, now() - interval '400 days',
                 case when $3::int is not null then now() - make_interval(days => $3::int) end)`,
        [id, status, deletedDaysAgo ?? null],
      );
      return id;
    };
    const webhookDelivery = async (subscriptionId: string, status: string, ageDays: number) => {
      const id = await delivery(status, ageDays, { channel: 'webhook' });
      await database.pool.query('update notification.deliveries set recipient_id = $2 where id = $1', [
        id,
        subscriptionId,
      ]);
      return id;
    };
    const unreferenced = await subscription({ deletedDaysAgo: 91 });
    // Its only delivery is old and final: the log drops it first, in the same round, then the subscription.
    const withOldDelivery = await subscription({ deletedDaysAgo: 120 });
    await webhookDelivery(withOldDelivery, 'dead_lettered', 100);
    const gone = [unreferenced, withOldDelivery];

    const withYoungDelivery = await subscription({ deletedDaysAgo: 100 });
    const youngDelivery = await webhookDelivery(withYoungDelivery, 'sent', 10);
    const kept = [
      withYoungDelivery, // the log still has one of its deliveries
      await subscription({ deletedDaysAgo: 89 }), // young
      await subscription(), // active for 400 days
      await subscription({ status: 'paused' }),
    ];

    const retention = new Retention({ pool: database.pool, logger, policy, batchSize: 1 });
    const round = await retention.pruneOnce();
    expect(round).toMatchObject({ deliveries: 1, webhook_subscriptions: 2 });
    expect(await ids('webhook_subscriptions')).toEqual([...kept].sort());
    expect(await ids('webhook_subscriptions')).not.toEqual(expect.arrayContaining(gone));
    expect(await ids('deliveries')).toContain(youngDelivery);
    expect((await retention.pruneOnce()).webhook_subscriptions).toBe(0);
  });

  it('deletes the copies of meetings over for longer than their retention, none of whose reminders is scheduled', async () => {
    const at = (daysAgo: number) => {
      const ms = Math.floor((Date.now() - daysAgo * DAY_MS) / 60_000) * 60_000;
      return new Date(ms).toISOString();
    };
    const later = (instant: string, ms: number) => new Date(Date.parse(instant) + ms).toISOString();
    const meeting = (
      startDaysAgo: number,
      extra: Partial<Omit<MeetingFacts, 'recurrence'>> & {
        rule?: NonNullable<MeetingFacts['recurrence']>['rule'];
      } = {},
    ): MeetingFacts => {
      const { rule, ...rest } = extra;
      const start = at(startDaysAgo);
      return {
        meetingId: randomUUID(),
        organizerId: 'user-1',
        title: 'Planning',
        description: '',
        attendees: [
          { key: 'user:user-1', userId: 'user-1', required: true, response: 'accepted' },
          {
            key: 'email:guest@example.com',
            email: 'guest@example.com',
            required: true,
            response: 'accepted',
          },
        ],
        start,
        end: later(start, 3_600_000),
        timeZone: 'UTC',
        ...(rule ? { recurrence: { rule, exdates: [], rrule: 'FREQ=WEEKLY' } } : {}),
        overrides: [],
        reminderMinutes: [],
        sequence: 0,
        status: 'scheduled',
        revision: 1,
        ...rest,
      };
    };
    /** Saved as the intake saves it, last changed `changedDaysAgo` ago (a cancelled one: cancelled then). */
    const copy = async (facts: MeetingFacts, changedDaysAgo: number) => {
      await saveMeeting(database.pool, facts);
      await database.pool.query(
        `update notification.meetings
            set updated_at = now() - make_interval(days => $2),
                over_at = case when meeting->>'status' = 'cancelled' then now() - make_interval(days => $2)
                               else over_at end
          where meeting_id = $1`,
        [facts.meetingId, changedDaysAgo],
      );
      return facts.meetingId;
    };
    /** A copy saved before `over_at` existed. */
    const oldCopy = async (facts: MeetingFacts, changedDaysAgo: number) => {
      await database.pool.query(
        `insert into notification.meetings (meeting_id, revision, meeting, updated_at)
         values ($1, 1, $2, now() - make_interval(days => $3))`,
        [facts.meetingId, JSON.stringify(facts), changedDaysAgo],
      );
      return facts.meetingId;
    };

    const weekly = { frequency: 'weekly' } as const;
    const gone = [
      await copy(meeting(31), 40), // ended 31 days ago
      await copy(meeting(-20, { status: 'cancelled' }), 31), // would be ahead, but cancelled 31 days ago
      await copy(meeting(200, { rule: { ...weekly, count: 3 } }), 150), // last occurrence 186 days ago
      await copy(meeting(200, { rule: { ...weekly, until: at(60) } }), 100), // UNTIL 60 days ago
      await oldCopy(meeting(100), 90), // from before the migration: its end is worked out first
    ];
    const planned = meeting(100);
    const seriesMovedLate = meeting(200, { rule: { ...weekly, count: 3 } });
    const lastStart = later(seriesMovedLate.start, 14 * DAY_MS);
    const kept = [
      await copy(meeting(29), 40), // ended 29 days ago
      await copy(meeting(100), 2), // over long ago, but changed 2 days ago (an answer, say)
      await copy(meeting(-10), 40), // ahead
      await copy(meeting(-20, { status: 'cancelled' }), 10), // cancelled 10 days ago
      await copy(meeting(200, { rule: { ...weekly, count: 30 } }), 100), // its 30th week is ahead
      await copy(meeting(1_000, { rule: weekly }), 100), // a series without an end
      await copy(meeting(200, { rule: { ...weekly, until: at(20) } }), 100), // UNTIL 20 days ago
      // its last occurrence was moved to 10 days ago
      await copy(
        {
          ...seriesMovedLate,
          overrides: [
            { originalStart: lastStart, start: at(10), end: later(at(10), 3_600_000), responses: {} },
          ],
        },
        100,
      ),
      await copy(planned, 40), // over, but one of its reminders is still scheduled
      await oldCopy(meeting(1_000, { rule: weekly }), 90), // from before the migration, without an end
    ];
    await reminder(`reminder_${planned.meetingId}_once_user-1_15`, 'scheduled', {
      subject: planned.meetingId,
    });
    await reminder(`reminder_${gone[0]}_once_user-1_15`, 'sent', { subject: gone[0] }); // fired: no matter
    expect(await ids('meetings', 'meeting_id')).toEqual([...gone, ...kept].sort());

    const { retention, pruned } = recordingRetention(3);
    expect(await retention.pruneOnce()).toEqual({ ...none, meetings: 5 });
    expect(await ids('meetings', 'meeting_id')).toEqual([...kept].sort());
    expect(pruned).toEqual([
      ['meetings', 3],
      ['meetings', 2],
    ]);
    // The copies from before the migration got when they are over: the endless series never.
    const { rows } = await database.pool.query<{ over_at: string | null }>(
      `select over_at::text from notification.meetings where over_at is null or over_at = 'infinity'`,
    );
    expect(rows).toEqual([{ over_at: 'infinity' }, { over_at: 'infinity' }]);
    expect((await retention.pruneOnce()).meetings).toBe(0);
  });

  it('prunes on one instance at a time; the standby takes over when the leader stops', async () => {
    const options = { pool: database.pool, logger, policy, intervalMs: 200, leaseRetryMs: 200 };
    const first = new Retention(options);
    const second = new Retention(options);
    first.start();
    await eventually(() => expect(first.status()).toBe('leader'), 10_000);
    second.start();
    await eventually(() => expect(second.status()).toBe('standby'), 10_000);

    const old = await delivery('sent', 100);
    await eventually(async () => expect(await ids('deliveries')).not.toContain(old), 10_000);
    expect(first.status()).toBe('leader');
    expect(second.status()).toBe('standby');

    await first.stop();
    await eventually(() => expect(second.status()).toBe('leader'), 10_000);
    await delivery('cancelled', 100);
    const young = await delivery('sent', 3);
    await eventually(async () => expect(await ids('deliveries')).toEqual([young]), 10_000);
    await second.stop();
    expect(second.status()).toBe('stopped');
  });
});
