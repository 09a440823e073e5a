import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { roomSchedule, type RoomScheduleCommand, type RoomScheduleEvent } from '@roomledger/booking-domain';
import { PostgresEventStore } from '@roomledger/event-store-postgres';
import { createTestDatabase, type TestDatabase } from '@roomledger/testing';
import { checkInvariants } from './invariants-check';

describe('Checking every room schedule in the store', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let cleanEvents: number;

  beforeAll(async () => {
    database = await createTestDatabase('rl_invariants');
    store = await PostgresEventStore.create({ connectionString: database.url });
    const clean = decided(cleanRoom);
    cleanEvents = clean.flat().length;
    // One decision, one append, as the command handler does.
    for (const events of clean) await store.append('roomSchedule-clean', events);
    await store.append('roomSchedule-forged', forgedRoom);
    await store.append('meeting-m1', [{ type: 'MeetingScheduled', data: { meetingId: 'm1' } }]);
  });

  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('reports exactly the room whose history double-books, at the event that did it', async () => {
    const report = await checkInvariants({ connectionString: database.url, schema: 'event_store' });
    expect(report.rooms).toBe(2);
    expect(report.events).toBe(cleanEvents + forgedRoom.length);
    expect(report.violations).toEqual([
      {
        streamName: 'roomSchedule-forged',
        roomId: 'forged',
        kind: 'overlap',
        at: '2026-03-02T08:05:00Z',
        eventIndex: 2,
        entries: [
          { id: 'b2', start: '2026-03-02T10:30:00Z', end: '2026-03-02T11:30:00Z' },
          { id: 'b1', start: '2026-03-02T10:00:00Z', end: '2026-03-02T11:00:00Z' },
        ],
      },
    ]);
  });

  it('refuses a schema that holds no event store rather than call it clean, and leaves it absent', async () => {
    await expect(
      checkInvariants({ connectionString: database.url, schema: 'no_store_here' }),
    ).rejects.toThrow('no event store in schema "no_store_here"');
    const { rows } = await database.pool.query(
      `select 1 from information_schema.schemata where schema_name = 'no_store_here'`,
    );
    expect(rows).toEqual([]);
  });

  describe('As a command', () => {
    it('prints each violation as a JSON line and a summary, and exits 1', async () => {
      const run = await command({ DATABASE_URL: database.url });
      expect(run.code).toBe(1);
      const lines = run.stdout.trim().split('\n');
      expect(lines.slice(0, -1).map((line) => JSON.parse(line))).toEqual([
        expect.objectContaining({ streamName: 'roomSchedule-forged', kind: 'overlap', eventIndex: 2 }),
      ]);
      expect(lines.at(-1)).toBe(
        `invariants: 2 rooms, ${cleanEvents + forgedRoom.length} events, 1 violations`,
      );
    });

    it('exits 0 on a clean store', async () => {
      const empty = await createTestDatabase('rl_invariants_empty');
      try {
        const opened = await PostgresEventStore.create({ connectionString: empty.url, schema: 'rooms' });
        await opened.close();
        const run = await command({ DATABASE_URL: empty.url, EVENT_STORE_SCHEMA: 'rooms' });
        expect(run).toMatchObject({ code: 0, stdout: 'invariants: 0 rooms, 0 events, 0 violations\n' });
      } finally {
        await empty.drop();
      }
    });

    it('exits 2 with one line when it cannot check', async () => {
      const unset = await command({});
      expect(unset.code).toBe(2);
      expect(unset.stderr).toMatch(/^check-invariants: invalid configuration: DATABASE_URL \(unset\)/);
      const unreachable = await command({ DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/nothing' });
      expect(unreachable.code).toBe(2);
      expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
      expect(unreachable.stderr).not.toContain('secret');
    });
  });
});

// Fixtures.

const ROOT = join(__dirname, '../../../..');
const admin = { userId: 'ada', roles: ['admin'] };
const at = (time: string) => `2026-03-02T${time}:00Z`;

/** A clean history, written by the real decider: each inner list is one decision's events. */
const cleanRoom: ((now: string) => RoomScheduleCommand)[] = [
  (now) => ({
    type: 'ApplyRoomPolicy',
    data: { roomId: 'clean', policy: { capacity: 8, timeZone: 'UTC', bufferAfterMinutes: 10 } },
    metadata: { commandId: 'p', actor: admin, now },
  }),
  (now) => ({
    type: 'BookDirectly',
    data: { bookingId: 'b1', start: at('10:00'), end: at('11:00'), title: 'Planning' },
    metadata: { commandId: 'c1', actor: admin, now },
  }),
  (now) => ({
    type: 'PlaceHold',
    data: { bookingId: 'b2', start: at('11:10'), end: at('12:00'), title: 'Review', ttlSeconds: 300 },
    metadata: { commandId: 'c2', actor: admin, now },
  }),
  (now) => ({
    type: 'ConfirmBooking',
    data: { bookingId: 'b2' },
    metadata: { commandId: 'c3', actor: admin, now },
  }),
  (now) => ({
    type: 'RescheduleBooking',
    data: { bookingId: 'b1', start: at('09:00'), end: at('10:00') },
    metadata: { commandId: 'c4', actor: admin, now },
  }),
  (now) => ({
    type: 'BlockForMaintenance',
    data: { blockId: 'm1', start: at('11:30'), end: at('13:00'), force: true },
    metadata: { commandId: 'c5', actor: admin, now },
  }),
];

function decided(commands: typeof cleanRoom): RoomScheduleEvent[][] {
  let state = roomSchedule.initialState();
  return commands.map((commandAt, i) => {
    const events = roomSchedule.decide(commandAt(at(`08:0${i}`)), state);
    state = events.reduce(roomSchedule.evolve, state);
    expect(events.length).toBeGreaterThan(0);
    return events;
  });
}

/** Appended raw, as no decider would have written it: b2 overlaps b1 in a one-seat room. */
const forgedRoom: RoomScheduleEvent[] = [
  {
    type: 'RoomPolicyApplied',
    data: {
      roomId: 'forged',
      occurredAt: at('08:00'),
      policy: {
        capacity: 8,
        seats: 1,
        timeZone: 'UTC',
        openingHours: [],
        closures: [],
        minDurationMinutes: 0,
        maxDurationMinutes: null,
        bookingWindowDays: null,
        minNoticeMinutes: 0,
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
        retired: false,
      },
    },
  },
  ...(['b1', 'b2'] as const).map((bookingId, i): RoomScheduleEvent => ({
    type: 'BookingConfirmed',
    data: {
      roomId: 'forged',
      bookingId,
      start: i === 0 ? at('10:00') : at('10:30'),
      end: i === 0 ? at('11:00') : at('11:30'),
      organizerId: 'mallory',
      version: 1,
      title: 'Forged',
      occurredAt: i === 0 ? at('08:01') : at('08:05'),
    },
  })),
];

function command(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const inherited = { ...process.env };
  delete inherited.DATABASE_URL;
  delete inherited.EVENT_STORE_SCHEMA;
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['services/booking/src/tools/check-invariants.ts'],
      { cwd: ROOT, env: { ...inherited, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stdout, stderr }),
    );
  });
}
