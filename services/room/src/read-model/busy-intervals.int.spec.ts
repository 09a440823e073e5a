import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@roomledger/testing';
import { ROOM_BUSY_SCHEMA, applyBookingEvent, ensureBusyIntervals } from './busy-intervals';

/**
 * The busy intervals on a real PostgreSQL: what each booking event does to a row, and that a
 * redelivered or replayed older event never moves a row backwards.
 */
describe('Busy intervals from booking.events.v1', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('rl_room_busy');
    await Promise.all([ensureBusyIntervals(database.pool), ensureBusyIntervals(database.pool)]);
  });

  afterAll(async () => {
    await database?.drop();
  });

  const apply = async (name: string, data: Record<string, unknown>) => {
    const client = await database.pool.connect();
    try {
      return await applyBookingEvent(client, { name, data, receivedAt: new Date('2026-03-01T08:00:00Z') });
    } finally {
      client.release();
    }
  };

  const rows = async (entryId: string) => {
    const result = await database.pool.query(
      `select room_id, kind, status, start_at, end_at, expires_at, stream_revision::int as revision
         from ${ROOM_BUSY_SCHEMA}.intervals where entry_id = $1 order by room_id`,
      [entryId],
    );
    return result.rows.map((row) => ({
      ...row,
      start_at: row.start_at.toISOString(),
      end_at: row.end_at.toISOString(),
      expires_at: row.expires_at?.toISOString() ?? null,
    }));
  };

  const booking = (overrides: Record<string, unknown> = {}) => ({
    bookingId,
    roomId: 'room-a',
    start: '2026-03-02T09:00:00Z',
    end: '2026-03-02T10:00:00Z',
    organizerId: 'alice',
    occurredAt: '2026-03-01T08:00:00Z',
    version: 1,
    ...overrides,
  });
  let bookingId: string;

  beforeEach(() => {
    bookingId = randomUUID();
  });

  it('keeps a hold with its expiry, then the confirmation, and ignores the hold delivered again', async () => {
    await apply('held', booking({ status: 'held', expiresAt: '2026-03-01T08:05:00Z', streamRevision: 4 }));
    await apply('confirmed', booking({ status: 'confirmed', streamRevision: 5 }));
    expect(
      await apply('held', booking({ status: 'held', expiresAt: '2026-03-01T08:05:00Z', streamRevision: 4 })),
    ).toBe(false);
    expect(await rows(bookingId)).toEqual([
      {
        room_id: 'room-a',
        kind: 'booking',
        status: 'confirmed',
        start_at: '2026-03-02T09:00:00.000Z',
        end_at: '2026-03-02T10:00:00.000Z',
        expires_at: '2026-03-01T08:05:00.000Z',
        revision: 5,
      },
    ]);
  });

  it('moves a rescheduled booking and keeps a cancellation against an older reschedule replayed', async () => {
    await apply('confirmed', booking({ status: 'confirmed', streamRevision: 1 }));
    await apply(
      'rescheduled',
      booking({
        status: 'confirmed',
        start: '2026-03-02T11:00:00Z',
        end: '2026-03-02T12:00:00Z',
        streamRevision: 2,
      }),
    );
    expect(await rows(bookingId)).toMatchObject([
      { status: 'confirmed', start_at: '2026-03-02T11:00:00.000Z' },
    ]);
    await apply('cancelled', booking({ status: 'cancelled', streamRevision: 3 }));
    await apply('rescheduled', booking({ status: 'confirmed', streamRevision: 2 }));
    expect(await rows(bookingId)).toMatchObject([{ status: 'cancelled', revision: 3 }]);
  });

  it('keeps a booking that moved rooms live in the new room and cancelled in the old one, whatever the revisions', async () => {
    // The new room's stream is young, the old room's long: their revisions say nothing about each other.
    await apply('confirmed', booking({ roomId: 'room-a', status: 'confirmed', streamRevision: 40 }));
    await apply('confirmed', booking({ roomId: 'room-b', status: 'confirmed', streamRevision: 2 }));
    await apply(
      'cancelled',
      booking({ roomId: 'room-a', status: 'cancelled', reason: 'moved', streamRevision: 41 }),
    );
    expect((await rows(bookingId)).map((row) => [row.room_id, row.status])).toEqual([
      ['room-a', 'cancelled'],
      ['room-b', 'confirmed'],
    ]);
  });

  it('marks an expired hold, and places and lifts maintenance by block id', async () => {
    await apply('held', booking({ status: 'held', expiresAt: '2026-03-01T08:05:00Z', streamRevision: 7 }));
    await apply(
      'expired',
      booking({ status: 'expired', expiresAt: '2026-03-01T08:05:00Z', streamRevision: 8 }),
    );
    expect(await rows(bookingId)).toMatchObject([{ status: 'expired', revision: 8 }]);

    const blockId = randomUUID();
    const block = { blockId, roomId: 'room-a', start: '2026-03-03T09:00:00Z', end: '2026-03-03T12:00:00Z' };
    await apply('maintenance-blocked', {
      ...block,
      placedBy: 'ada',
      cancelledBookingIds: [],
      streamRevision: 9,
    });
    expect(await rows(blockId)).toMatchObject([{ kind: 'maintenance', status: 'active' }]);
    await apply('maintenance-lifted', { ...block, liftedBy: 'ada', streamRevision: 10 });
    await apply('maintenance-blocked', {
      ...block,
      placedBy: 'ada',
      cancelledBookingIds: [],
      streamRevision: 9,
    });
    expect(await rows(blockId)).toMatchObject([{ kind: 'maintenance', status: 'lifted', revision: 10 }]);
  });

  it('ignores event types it does not know and refuses payloads that break the contract', async () => {
    expect(await apply('archived', booking({ status: 'archived', streamRevision: 1 }))).toBe(false);
    await expect(apply('confirmed', booking({ status: 'confirmed' }))).rejects.toThrow(/streamRevision/);
    await expect(apply('confirmed', booking({ start: 'soon', streamRevision: 1 }))).rejects.toThrow(/start/);
    await expect(apply('rescheduled', booking({ status: 'expired2', streamRevision: 1 }))).rejects.toThrow(
      /status/,
    );
    expect(await rows(bookingId)).toEqual([]);
  });
});
