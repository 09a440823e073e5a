import fc from 'fast-check';
import { DomainError } from './errors';
import { DAY_MS, MINUTE_MS, isoOf, msOf } from './instants';
import { checkScheduleInvariants, type ScheduleViolation } from './invariants';
import { roomSchedule } from './room-schedule';
import type { RoomScheduleCommand } from './room-schedule.commands';
import type { BookingConfirmed, RoomScheduleEvent } from './room-schedule.events';
import {
  ROOM,
  at,
  bookingCancelled,
  bookingConfirmed,
  bookingRescheduled,
  holdExpired,
  holdPlaced,
  maintenanceLifted,
  maintenancePlaced,
  policy,
  policyApplied,
} from './room-schedule.fixtures';
import { isForgotten, type RoomScheduleState } from './room-schedule.state';

describe('Checking a room history for double bookings', () => {
  describe('When every decision kept the rules', () => {
    it('reports nothing', () => {
      expect(
        checkScheduleInvariants([
          policyApplied(),
          bookingConfirmed({ bookingId: 'b1' }),
          bookingConfirmed({ bookingId: 'b2', start: at('11:00'), end: at('12:00') }),
          holdPlaced({ bookingId: 'b3', start: at('12:00'), end: at('13:00') }),
          bookingConfirmed({ bookingId: 'b3', start: at('12:00'), end: at('13:00'), version: 2 }),
          bookingCancelled({ bookingId: 'b1' }),
          bookingConfirmed({ bookingId: 'b4', occurredAt: at('08:30') }),
          maintenancePlaced({ start: at('14:00'), end: at('15:00') }),
        ]),
      ).toEqual([]);
    });
  });

  describe('When two bookings of a one-seat room share time', () => {
    it('reports an overlap at the event that made it, with both bookings', () => {
      expect(
        checkScheduleInvariants([
          policyApplied(),
          bookingConfirmed({ bookingId: 'b1' }),
          bookingConfirmed({ bookingId: 'b2', start: at('10:30'), end: at('11:30') }),
        ]),
      ).toEqual([
        overlap(2, [
          { id: 'b2', start: at('10:30'), end: at('11:30') },
          { id: 'b1', start: at('10:00'), end: at('11:00') },
        ]),
      ]);
    });

    it('lets touching bookings be: intervals are half-open', () => {
      expect(
        checkScheduleInvariants([
          policyApplied(),
          bookingConfirmed({ bookingId: 'b1' }),
          bookingConfirmed({ bookingId: 'b2', start: at('11:00'), end: at('12:00') }),
        ]),
      ).toEqual([]);
    });

    it('counts the buffers: the clean-up after one runs into the next', () => {
      const violations = checkScheduleInvariants([
        policyApplied(policy({ bufferAfterMinutes: 15 })),
        bookingConfirmed({ bookingId: 'b1' }),
        bookingConfirmed({ bookingId: 'b2', start: at('11:00'), end: at('12:00') }),
      ]);
      expect(violations.map(summary)).toEqual(['overlap@2 b2,b1']);
    });

    it('counts the set-up before a booking as well', () => {
      const violations = checkScheduleInvariants([
        policyApplied(policy({ bufferBeforeMinutes: 10 })),
        bookingConfirmed({ bookingId: 'b1', start: at('11:00'), end: at('12:00') }),
        bookingConfirmed({ bookingId: 'b2', start: at('10:00'), end: at('10:55') }),
      ]);
      expect(violations.map(summary)).toEqual(['overlap@2 b2,b1']);
    });
  });

  describe('When the room is shared', () => {
    const threeSeats = policyApplied(policy({ seats: 3 }));
    const concurrent = (count: number) =>
      Array.from({ length: count }, (_, i) => bookingConfirmed({ bookingId: `b${i + 1}` }));

    it('lets as many entries run at once as it has seats', () => {
      expect(checkScheduleInvariants([threeSeats, ...concurrent(3)])).toEqual([]);
    });

    it('reports the entry that takes one seat too many as over capacity', () => {
      const violations = checkScheduleInvariants([threeSeats, ...concurrent(4)]);
      expect(violations.map(summary)).toEqual(['over_capacity@4 b4,b1,b2,b3']);
    });

    it('counts entries that only partly share time at the instant they all meet', () => {
      const violations = checkScheduleInvariants([
        policyApplied(policy({ seats: 2 })),
        bookingConfirmed({ bookingId: 'b1', start: at('10:00'), end: at('11:00') }),
        bookingConfirmed({ bookingId: 'b2', start: at('11:00'), end: at('12:00') }),
        bookingConfirmed({ bookingId: 'b3', start: at('10:30'), end: at('11:30') }),
        bookingConfirmed({ bookingId: 'b4', start: at('10:45'), end: at('11:15') }),
      ]);
      expect(violations.map(summary)).toEqual(['over_capacity@4 b4,b1,b3,b2']);
    });
  });

  describe('When a hold has expired', () => {
    const hold = holdPlaced({ bookingId: 'h1', expiresAt: at('08:05') });

    it('does not count it from its expiresAt on, written HoldExpired or not', () => {
      expect(
        checkScheduleInvariants([policyApplied(), hold, bookingConfirmed({ occurredAt: at('08:05') })]),
      ).toEqual([]);
    });

    it('does count it before', () => {
      const violations = checkScheduleInvariants([
        policyApplied(),
        hold,
        bookingConfirmed({ occurredAt: at('08:04') }),
      ]);
      expect(violations.map(summary)).toEqual(['overlap@2 b1,h1']);
    });

    it('does not count it once HoldExpired is written', () => {
      expect(
        checkScheduleInvariants([
          policyApplied(),
          hold,
          holdExpired({ bookingId: 'h1', occurredAt: at('08:05') }),
          bookingConfirmed({ occurredAt: at('08:06') }),
        ]),
      ).toEqual([]);
    });

    it('reports a confirmation of it into time someone else has taken since', () => {
      const violations = checkScheduleInvariants([
        policyApplied(),
        hold,
        bookingConfirmed({ occurredAt: at('08:06') }),
        bookingConfirmed({ bookingId: 'h1', version: 2, occurredAt: at('08:07') }),
      ]);
      expect(violations.map(summary)).toEqual(['overlap@3 h1,b1']);
    });
  });

  describe('When a booking was cancelled', () => {
    it('does not count it', () => {
      expect(
        checkScheduleInvariants([
          policyApplied(),
          bookingConfirmed(),
          bookingCancelled({ occurredAt: at('08:10') }),
          bookingConfirmed({ bookingId: 'b2', occurredAt: at('08:20') }),
        ]),
      ).toEqual([]);
    });
  });

  describe('When a booking is rescheduled', () => {
    const two = [
      policyApplied(),
      bookingConfirmed({ bookingId: 'b1' }),
      bookingConfirmed({ bookingId: 'b2', start: at('12:00'), end: at('13:00') }),
    ];

    it('reports a move into another booking', () => {
      const violations = checkScheduleInvariants([
        ...two,
        bookingRescheduled({ bookingId: 'b2', start: at('10:30'), end: at('11:30') }),
      ]);
      expect(violations.map(summary)).toEqual(['overlap@3 b2,b1']);
    });

    it('reports an extension into another booking', () => {
      const violations = checkScheduleInvariants([
        ...two,
        bookingRescheduled({ bookingId: 'b1', start: at('10:00'), end: at('12:30') }),
      ]);
      expect(violations.map(summary)).toEqual(['overlap@3 b1,b2']);
    });

    it('does not hold a booking against its own former time', () => {
      expect(
        checkScheduleInvariants([
          ...two,
          bookingRescheduled({ bookingId: 'b1', start: at('10:30'), end: at('11:30') }),
        ]),
      ).toEqual([]);
    });
  });

  describe('When maintenance blocks the room', () => {
    it('reports a booking inside the block', () => {
      const violations = checkScheduleInvariants([
        policyApplied(),
        maintenancePlaced({ start: at('09:00'), end: at('12:00') }),
        bookingConfirmed({ bookingId: 'b1', occurredAt: at('08:10') }),
      ]);
      expect(violations).toEqual([
        {
          roomId: ROOM,
          kind: 'under_maintenance',
          at: at('08:10'),
          eventIndex: 2,
          entries: [
            { id: 'b1', start: at('10:00'), end: at('11:00') },
            { id: 'm1', start: at('09:00'), end: at('12:00') },
          ],
        },
      ]);
    });

    it("reports a booking whose buffer touches the block, which has none of its own (the decider's rule)", () => {
      const violations = checkScheduleInvariants([
        policyApplied(policy({ bufferAfterMinutes: 15 })),
        maintenancePlaced({ start: at('11:10'), end: at('12:00') }),
        bookingConfirmed({ occurredAt: at('08:10') }),
      ]);
      expect(violations.map(summary)).toEqual(['under_maintenance@2 b1,m1']);
    });

    it('takes the whole room whatever its seats', () => {
      const violations = checkScheduleInvariants([
        policyApplied(policy({ seats: 5 })),
        maintenancePlaced(),
        bookingConfirmed({ occurredAt: at('08:10') }),
      ]);
      expect(violations.map(summary)).toEqual(['under_maintenance@2 b1,m1']);
    });

    it('reports a block placed over a booking it did not cancel', () => {
      const violations = checkScheduleInvariants([policyApplied(), bookingConfirmed(), maintenancePlaced()]);
      expect(violations.map(summary)).toEqual(['under_maintenance@2 m1,b1']);
    });

    it('accepts a forced block once the cancellations written after it are applied', () => {
      expect(
        checkScheduleInvariants([
          policyApplied(),
          bookingConfirmed(),
          maintenancePlaced({ cancelledBookingIds: ['b1'] }),
          bookingCancelled({ reason: 'maintenance', maintenanceBlockId: 'm1' }),
        ]),
      ).toEqual([]);
    });

    it('no longer counts a lifted block', () => {
      expect(
        checkScheduleInvariants([
          policyApplied(),
          maintenancePlaced(),
          maintenanceLifted({ occurredAt: at('08:05') }),
          bookingConfirmed({ occurredAt: at('08:10') }),
        ]),
      ).toEqual([]);
    });
  });

  describe('When a new policy makes earlier bookings conflict', () => {
    const grandfathered = [
      policyApplied(policy({ seats: 2 })),
      bookingConfirmed({ bookingId: 'b1' }),
      bookingConfirmed({ bookingId: 'b2', start: at('10:30'), end: at('11:30') }),
      holdPlaced({ bookingId: 'h3', start: at('11:00'), end: at('12:00'), expiresAt: at('09:00') }),
      maintenancePlaced({ start: at('12:10'), end: at('13:00') }),
      policyApplied(policy({ seats: 1, bufferAfterMinutes: 15 }), at('08:30')),
    ];

    it('reports nothing: a policy governs the decisions after it, not the bookings before it', () => {
      expect(checkScheduleInvariants(grandfathered)).toEqual([]);
    });

    it('still reports nothing when those bookings are confirmed or shrunk without taking new time', () => {
      expect(
        checkScheduleInvariants([
          ...grandfathered,
          bookingConfirmed({
            bookingId: 'h3',
            start: at('11:00'),
            end: at('12:00'),
            version: 2,
            occurredAt: at('08:40'),
          }),
          bookingRescheduled({
            bookingId: 'b2',
            start: at('10:30'),
            end: at('11:15'),
            occurredAt: at('08:45'),
          }),
        ]),
      ).toEqual([]);
    });

    it('reports a later decision that adds to the conflict', () => {
      const violations = checkScheduleInvariants([
        ...grandfathered,
        bookingConfirmed({ bookingId: 'b4', start: at('10:15'), end: at('10:45'), occurredAt: at('08:40') }),
        bookingRescheduled({
          bookingId: 'b1',
          start: at('10:00'),
          end: at('11:30'),
          occurredAt: at('08:45'),
        }),
      ]);
      expect(violations.map(summary)).toEqual(['overlap@6 b4,b1,b2', 'overlap@7 b1,b2,h3']);
    });
  });

  describe('When entries ended long ago', () => {
    it('forgets them a day after they ended, as the schedule does', () => {
      expect(
        checkScheduleInvariants([
          policyApplied(),
          bookingConfirmed(),
          maintenancePlaced({
            start: at('09:00'),
            end: at('12:00', '2026-03-04'),
            occurredAt: at('11:01', '2026-03-03'),
          }),
        ]),
      ).toEqual([]);
    });
  });

  it('checks 10,000 events of one busy room in well under a second', () => {
    const events: RoomScheduleEvent[] = [policyApplied(policy({ seats: 3, bufferAfterMinutes: 15 }))];
    for (let i = 0; events.length < 10_000; i += 1) {
      // Three bookings an hour, every one of them still ahead: the most the checker ever compares.
      const start = msOf(at('10:00')) + Math.floor(i / 3) * 60 * MINUTE_MS;
      events.push(
        bookingConfirmed({ bookingId: `b${i}`, start: isoOf(start), end: isoOf(start + 45 * MINUTE_MS) }),
      );
    }
    const started = performance.now();
    expect(checkScheduleInvariants(events)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('The checker against the decider', () => {
  it('finds nothing in what the decider writes, and catches a forged booking on top of it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 3),
        fc.constantFrom(0, 15),
        fc.array(operation, { minLength: 1, maxLength: 40, size: 'max' }),
        (seats, buffer, operations) => {
          const { history, state, now } = decideAll(seats, buffer, operations);
          expect(checkScheduleInvariants(history)).toEqual([]);

          const forged = forgeOverbooking(state, now);
          const violations = checkScheduleInvariants([...history, ...forged.events]);
          expect(violations.filter((v) => v.eventIndex < history.length)).toEqual([]);
          const caught = violations.find(
            (v) =>
              v.eventIndex === history.length + forged.events.length - 1 && v.kind !== 'under_maintenance',
          );
          expect(caught?.kind).toBe(forged.seats === 1 ? 'overlap' : 'over_capacity');
          expect(caught?.entries.map((entry) => entry.id)).toEqual(
            expect.arrayContaining([forged.lastId, forged.targetId]),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

// Fixtures.

function overlap(eventIndex: number, entries: ScheduleViolation['entries']): ScheduleViolation {
  return { roomId: ROOM, kind: 'overlap', at: at('08:00'), eventIndex, entries };
}

/** `overlap@2 b2,b1`: kind, event index, entry ids. */
function summary(violation: ScheduleViolation): string {
  return `${violation.kind}@${violation.eventIndex} ${violation.entries.map((entry) => entry.id).join(',')}`;
}

const SLOT = 15 * MINUTE_MS;
const T0 = msOf('2026-03-02T00:00:00Z');
const admin = { userId: 'ada', roles: ['admin'] };

const offset = fc.integer({ min: 0, max: 12 });
const length = fc.integer({ min: 1, max: 6 });
/** Which of the most recent bookings or blocks a command addresses (0 = the latest). */
const pick = fc.nat({ max: 4 });
const operation = fc.oneof(
  fc.record({ kind: fc.constant('hold' as const), offset, length, ttl: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('direct' as const), offset, length }),
  fc.record({ kind: fc.constantFrom('confirm' as const, 'cancel' as const, 'expire' as const), pick }),
  fc.record({
    kind: fc.constant('reschedule' as const),
    pick,
    offset: fc.integer({ min: -2, max: 12 }),
    length,
    keepStart: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('block' as const), offset, length, force: fc.boolean() }),
  fc.record({ kind: fc.constant('lift' as const), pick }),
  fc.record({
    kind: fc.constant('series' as const),
    occurrences: fc.array(fc.record({ offset, length }), { minLength: 1, maxLength: 4 }),
    skip: fc.boolean(),
  }),
  // New policies that make earlier bookings conflict, which the checker must not blame on anyone.
  fc.record({
    kind: fc.constant('policy' as const),
    seats: fc.integer({ min: 1, max: 3 }),
    before: fc.constantFrom(0, 15, 30),
    after: fc.constantFrom(0, 15, 30),
  }),
  {
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      slots: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 6 },
        fc.integer({ min: 40, max: 120 }),
      ),
    }),
    weight: 3,
  },
);
type Operation = typeof operation extends fc.Arbitrary<infer O> ? O : never;

/** Runs the operations through the real decider; refused commands write nothing. */
function decideAll(seats: number, buffer: number, operations: Operation[]) {
  let now = T0;
  let state = roomSchedule.initialState();
  const history: RoomScheduleEvent[] = [];
  const booked: string[] = [];
  const blocked: string[] = [];
  const policyOf = (seatCount: number, before: number, after: number): RoomScheduleCommand => ({
    type: 'ApplyRoomPolicy',
    data: {
      roomId: ROOM,
      policy: {
        capacity: 10,
        seats: seatCount,
        timeZone: 'UTC',
        bufferBeforeMinutes: before,
        bufferAfterMinutes: after,
      },
    },
    metadata: { commandId: 'policy', actor: admin, now: isoOf(now) },
  });
  const apply = (command: RoomScheduleCommand) => {
    let events: RoomScheduleEvent[];
    try {
      events = roomSchedule.decide(command, state);
    } catch (error) {
      if (error instanceof DomainError) return;
      throw error;
    }
    for (const event of events) {
      state = roomSchedule.evolve(state, event);
      history.push(event);
      if (event.type === 'HoldPlaced' || event.type === 'BookingConfirmed') booked.push(event.data.bookingId);
      if (event.type === 'MaintenanceBlockPlaced') blocked.push(event.data.blockId);
    }
  };

  const startOf = (bookingId: string) => {
    const booking = state.status === 'unknown' ? undefined : state.bookings.get(bookingId);
    return booking && msOf(booking.start);
  };

  apply(policyOf(seats, buffer, buffer));
  operations.forEach((op, step) => {
    if (op.kind === 'advance') now += op.slots * SLOT;
    else if (op.kind === 'policy') apply(policyOf(op.seats, op.before, op.after));
    else apply(commandFor(op, `c${step}`, now, { booked, blocked, startOf }));
  });
  return { history, state, now };
}

function commandFor(
  op: Exclude<Operation, { kind: 'advance' | 'policy' }>,
  id: string,
  now: number,
  known: { booked: string[]; blocked: string[]; startOf: (bookingId: string) => number | undefined },
): RoomScheduleCommand {
  const { booked, blocked } = known;
  const metadata = { commandId: id, actor: admin, now: isoOf(now) };
  const at = (slots: number) => isoOf(now + slots * SLOT);
  const chosen = (ids: string[], index: number) =>
    ids.length === 0 ? 'missing' : ids[ids.length - 1 - (index % ids.length)];
  switch (op.kind) {
    case 'hold':
      return {
        type: 'PlaceHold',
        data: {
          bookingId: id,
          start: at(op.offset),
          end: at(op.offset + op.length),
          title: 't',
          ttlSeconds: (op.ttl * SLOT) / 1000,
        },
        metadata,
      };
    case 'direct':
      return {
        type: 'BookDirectly',
        data: { bookingId: id, start: at(op.offset), end: at(op.offset + op.length), title: 't' },
        metadata,
      };
    case 'confirm':
      return { type: 'ConfirmBooking', data: { bookingId: chosen(booked, op.pick) }, metadata };
    case 'cancel':
      return { type: 'CancelBooking', data: { bookingId: chosen(booked, op.pick) }, metadata };
    case 'expire':
      return { type: 'ExpireHold', data: { bookingId: chosen(booked, op.pick) }, metadata };
    case 'reschedule': {
      const bookingId = chosen(booked, op.pick);
      const current = known.startOf(bookingId);
      const start = op.keepStart && current !== undefined ? current : now + op.offset * SLOT;
      return {
        type: 'RescheduleBooking',
        data: { bookingId, start: isoOf(start), end: isoOf(start + op.length * SLOT) },
        metadata,
      };
    }
    case 'block':
      return {
        type: 'BlockForMaintenance',
        data: { blockId: `m-${id}`, start: at(op.offset), end: at(op.offset + op.length), force: op.force },
        metadata,
      };
    case 'lift':
      return { type: 'LiftMaintenance', data: { blockId: chosen(blocked, op.pick) }, metadata };
    case 'series':
      return {
        type: 'BookSeries',
        data: {
          seriesId: `s-${id}`,
          title: 't',
          onConflict: op.skip ? 'skip-conflicts' : 'all-or-nothing',
          occurrences: op.occurrences.map((o, k) => ({
            bookingId: `${id}-${k}`,
            start: at(o.offset),
            end: at(o.offset + o.length),
          })),
        },
        metadata,
      };
  }
}

/**
 * Confirmed bookings the decider never wrote: as many copies of a live confirmed booking's time as
 * the room has seats (of a first forged booking's when none is live), so the last one is one too many.
 */
function forgeOverbooking(state: RoomScheduleState, now: number) {
  if (state.status === 'unknown') throw new Error('room unknown');
  const occurredAt = isoOf(now);
  const forged = (bookingId: string, start: string, end: string): BookingConfirmed => ({
    type: 'BookingConfirmed',
    data: { roomId: ROOM, bookingId, start, end, organizerId: 'mallory', version: 1, title: 'f', occurredAt },
  });
  const live = [...state.bookings.values()].find(
    (booking) => booking.status === 'confirmed' && !isForgotten(booking, state, now),
  );
  // Far ahead of anything the operations reach, so the first forged booking is alone there.
  const target =
    live ?? forged('forged-target', isoOf(now + 300 * DAY_MS), isoOf(now + 300 * DAY_MS + SLOT)).data;
  const copies = Array.from({ length: state.policy.seats }, (_, i) =>
    forged(`forged-${i}`, target.start, target.end),
  );
  return {
    events: live ? copies : [forged(target.bookingId, target.start, target.end), ...copies],
    seats: state.policy.seats,
    targetId: target.bookingId,
    lastId: `forged-${state.policy.seats - 1}`,
  };
}
