import { randomUUID } from 'node:crypto';
import { createTestDatabase, eventually, type TestDatabase } from '@roomledger/testing';
import { pino } from 'pino';
import { migrate } from '../persistence/schema';
import { Retention, type RetentionPolicy } from './retention';

const policy: RetentionPolicy = { deliveryLogDays: 90, inboxDedupeDays: 14, inboxItemsDays: 180 };
const logger = pino({ level: 'silent' });

/**
 * Retention on real PostgreSQL (the service's migrations on a database of its own): one round deletes
 * exactly the rows that are old and no longer needed, in batches, and only the lease holder prunes.
 */
describe('Retention of the delivery log, the consumed-message ids and the in-app items', () => {
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
      'truncate notification.deliveries, notification.inbox, notification.inbox_items, notification.reminders',
    );
  });

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
  const reminder = async (jobId: string, status: 'scheduled' | 'sent') =>
    database.pool.query(
      `insert into notification.reminders
         (job_id, subject, kind, recipient_id, offset_minutes, fire_at, facts, status, synced)
       values ($1, 'booking-1', 'booking-reminder', 'user-1', 15, now() + interval '1 day', '{}', $2, true)`,
      [jobId, status],
    );
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

    const pruned: [string, number][] = [];
    const retention = new Retention({
      pool: database.pool,
      logger,
      policy,
      batchSize: 2,
      onPruned: (table, rows) => pruned.push([table, rows]),
    });
    expect(await retention.pruneOnce()).toEqual({ deliveries: 5, inbox: 3, inbox_items: 2 });

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

    expect(await retention.pruneOnce()).toEqual({ deliveries: 0, inbox: 0, inbox_items: 0 });
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
