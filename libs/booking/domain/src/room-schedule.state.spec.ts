// Specs may use the shared test helpers; the domain code itself may not (see README).
import { DeciderSpecification } from '@roomledger/testing';
import { OrderedMap } from 'immutable';
import { DomainError, NotFound } from './errors';
import { decide } from './room-schedule';
import type { RoomScheduleCommand } from './room-schedule.commands';
import type { RoomScheduleEvent } from './room-schedule.events';
import {
  createEvolve,
  evolve,
  fromRoomScheduleSnapshot,
  initialState,
  toRoomScheduleSnapshot,
  type RoomScheduleState,
} from './room-schedule.state';
import { roomSchedule } from './room-schedule';
import {
  ada,
  at,
  bob,
  bookDirectly,
  bookingCancelled,
  bookingConfirmed,
  bookingRescheduled,
  cancelBooking,
  confirmBooking,
  expireHold,
  holdExpired,
  holdPlaced,
  liftMaintenance,
  maintenanceLifted,
  maintenancePlaced,
  placeHold,
  policy,
  policyApplied,
  rescheduleBooking,
  blockForMaintenance,
} from './room-schedule.fixtures';

const given = DeciderSpecification.for(roomSchedule);

describe('RoomSchedule: state, versions and pruning', () => {
  describe('When a booking has a history', () => {
    it('has as version the number of events that concern it', () => {
      const state = fold([
        open,
        holdPlaced(),
        bookingConfirmed({ version: 2 }),
        bookingRescheduled({ version: 3 }),
      ]);
      expect(state.status === 'active' && state.bookings.get('b1')?.version).toBe(3);
    });

    it('compares If-Match with that version, not with the stream revision', () => {
      given([
        open,
        bookingConfirmed({ bookingId: 'b0', start: at('15:00'), end: at('16:00') }),
        holdPlaced(),
        bookingConfirmed({ version: 2 }),
      ])
        .when(cancelBooking({ expectedVersion: 2 }))
        .then([bookingCancelled({ version: 3 })]);
    });
  });

  describe('When entries ended more than a day before the latest event', () => {
    it('forgets them, bookings and maintenance alike', () => {
      const state = fold([
        ...yesterday,
        bookingConfirmed({
          bookingId: 'b3',
          ...day(3, '10:00', '11:00'),
          occurredAt: at('13:01', '2026-03-03'),
        }),
      ]);
      expect(state.status === 'active' && [...state.bookings.keys()]).toEqual(['b3']);
      expect(state.status === 'active' && state.maintenance.size).toBe(0);
    });

    it('keeps an entry that ended exactly a day before', () => {
      const state = fold([
        ...yesterday,
        bookingConfirmed({
          bookingId: 'b3',
          ...day(3, '10:00', '11:00'),
          occurredAt: at('11:00', '2026-03-03'),
        }),
      ]);
      expect(state.status === 'active' && [...state.bookings.keys()].sort()).toEqual(['b1', 'b2', 'b3']);
    });

    it('answers a forgotten booking as not found', () => {
      given([
        ...yesterday,
        bookingConfirmed({
          bookingId: 'b3',
          ...day(3, '10:00', '11:00'),
          occurredAt: at('12:00', '2026-03-03'),
        }),
      ])
        .when(cancelBooking({ at: at('12:00', '2026-03-03') }))
        .thenThrows(NotFound);
    });

    it.each([
      ['after the latest event', at('12:30', '2026-03-03')],
      ['on a clock behind the latest event', at('10:30', '2026-03-03')],
    ])('decides every command exactly as without pruning, %s', (_, now) => {
      const history = [
        ...yesterday,
        bookingConfirmed({
          bookingId: 'b3',
          ...day(3, '10:00', '11:00'),
          occurredAt: at('12:00', '2026-03-03'),
        }),
      ];
      const commands: RoomScheduleCommand[] = [
        cancelBooking({ at: now }),
        cancelBooking({ bookingId: 'b3', at: now }),
        confirmBooking({ bookingId: 'b2', at: now }),
        expireHold({ bookingId: 'b2', at: now }),
        rescheduleBooking({ ...day(3, '14:00', '15:00'), at: now }),
        placeHold({ ...day(4, '10:00', '11:00'), at: now }),
        bookDirectly({ bookingId: 'b3', ...day(4, '10:00', '11:00'), by: bob, at: now }),
        blockForMaintenance({ blockId: 'm1', ...day(3, '09:00', '12:00'), by: ada, at: now }),
        blockForMaintenance({ blockId: 'm2', ...day(3, '09:00', '12:00'), by: ada, at: now }),
      ];
      const pruned = fold(history);
      const complete = history.reduce(createEvolve(Infinity), initialState());
      expect(pruned).not.toEqual(complete);
      for (const command of commands) expect(outcome(command, pruned)).toEqual(outcome(command, complete));
    });
  });

  describe('When the state changes', () => {
    it('never changes the maps an earlier state holds, and keeps an untouched map as it is', () => {
      const before = fold([...yesterday, maintenancePlaced({ blockId: 'm2', ...day(2, '15:00', '16:00') })]);
      if (before.status !== 'active') throw new Error('room not active');
      const bookings = [...before.bookings];
      const maintenance = [...before.maintenance];
      const booked = evolve(before, bookingConfirmed({ bookingId: 'b3', ...day(2, '13:00', '14:00') }));
      const after = [
        bookingCancelled(),
        maintenanceLifted({ blockId: 'm2' }),
        // a day later: b1, b2 and m1 are forgotten
        bookingConfirmed({
          bookingId: 'b4',
          ...day(3, '10:00', '11:00'),
          occurredAt: at('13:01', '2026-03-03'),
        }),
      ].reduce(evolve, booked);
      expect([...before.bookings]).toEqual(bookings);
      expect([...before.maintenance]).toEqual(maintenance);
      expect(booked.status === 'active' && booked.maintenance).toBe(before.maintenance);
      expect(after.status === 'active' && [...after.bookings.keys()]).toEqual(['b3', 'b4']);
      expect(after.status === 'active' && after.maintenance.size).toBe(0);
    });

    it('lifting a block nobody knows changes nothing', () => {
      const state = fold(yesterday);
      const lifted = evolve(state, maintenanceLifted({ blockId: 'unknown' }));
      expect(lifted.status === 'active' && lifted.maintenance).toBe(
        state.status === 'active' && state.maintenance,
      );
    });
  });

  describe('When the state is snapshotted', () => {
    const history = (): RoomScheduleEvent[] => [
      open,
      holdPlaced({ meetingId: 'meeting-1' }),
      bookingConfirmed({ bookingId: 'b2', ...day(2, '12:00', '13:00') }),
      bookingConfirmed({ bookingId: 'b4', ...day(2, '14:00', '15:00') }),
      bookingCancelled({ bookingId: 'b4', ...day(2, '14:00', '15:00') }),
      holdPlaced({ bookingId: 'b5', ...day(2, '16:00', '17:00'), expiresAt: at('08:05') }),
      holdExpired({ bookingId: 'b5', ...day(2, '16:00', '17:00') }),
      maintenancePlaced({ start: at('15:00'), end: at('16:00') }),
      maintenancePlaced({ blockId: 'm2', ...day(3, '09:00', '10:00') }),
    ];
    /** Written, stored as JSON text, read back: what a handler saves and a fresh one loads. */
    const throughSnapshot = (state: RoomScheduleState) =>
      fromRoomScheduleSnapshot(JSON.parse(JSON.stringify(toRoomScheduleSnapshot(state))));

    it('is not JSON itself: its maps would be read back as plain objects, not maps', () => {
      const state = fold(history());
      const parsed = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
      const { bookings, maintenance } = parsed;
      expect(state.status === 'active' && state.bookings.size).toBe(4);
      expect([bookings, maintenance].map((map) => Object.getPrototypeOf(map))).toEqual([
        Object.prototype,
        Object.prototype,
      ]);
      expect([bookings, maintenance].map((map) => OrderedMap.isOrderedMap(map))).toEqual([false, false]);
      expect(parsed).not.toEqual(state);
    });

    it('survives JSON through its snapshot encoding: the same entries in the same order', () => {
      const state = fold(history());
      const restored = throughSnapshot(state);
      expect(restored).toEqual(state);
      if (restored.status !== 'active' || state.status !== 'active') throw new Error('room not active');
      expect([...restored.bookings.keys()]).toEqual(['b1', 'b2', 'b4', 'b5']);
      expect([...restored.bookings]).toEqual([...state.bookings]);
      expect([...restored.maintenance]).toEqual([...state.maintenance]);
      expect(throughSnapshot(initialState())).toEqual(initialState());
      const retired = evolve(state, policyApplied(policy({ retired: true }), at('08:30')));
      expect(throughSnapshot(retired)).toEqual(retired);
    });

    it('decides every command, and evolves, exactly as the state folded from the events', () => {
      const state = fold(history());
      const restored = throughSnapshot(state);
      const commands: RoomScheduleCommand[] = [
        placeHold({ bookingId: 'b3', ...day(2, '12:30', '13:30'), by: bob }),
        placeHold({ bookingId: 'b3', ...day(2, '14:00', '15:00'), by: bob }),
        bookDirectly({ bookingId: 'b2', ...day(2, '18:00', '19:00') }),
        bookDirectly({ bookingId: 'b6', ...day(2, '15:30', '16:30') }),
        confirmBooking(),
        confirmBooking({ bookingId: 'b5' }),
        cancelBooking({ bookingId: 'b2' }),
        cancelBooking({ bookingId: 'b4' }),
        expireHold({ at: at('08:06') }),
        rescheduleBooking({ bookingId: 'b2', ...day(2, '16:00', '17:00') }),
        blockForMaintenance({ blockId: 'm3', ...day(2, '09:00', '13:00'), by: ada }),
        blockForMaintenance({ blockId: 'm3', ...day(2, '09:00', '13:00'), by: ada, force: true }),
        blockForMaintenance({ blockId: 'm2', ...day(3, '09:00', '10:00'), by: ada }),
        liftMaintenance({ blockId: 'm2', by: ada }),
        liftMaintenance({ blockId: 'm9', by: ada }),
      ];
      for (const command of commands) {
        expect(outcome(command, restored)).toEqual(outcome(command, state));
        const { events } = outcome(command, state);
        if (events) expect(events.reduce(evolve, restored)).toEqual(events.reduce(evolve, state));
      }
    });
  });
});

// Fixtures
const open = policyApplied(policy());
function day(n: number, start: string, end: string) {
  const date = `2026-03-0${n}`;
  return { start: at(start, date), end: at(end, date) };
}
const yesterday: RoomScheduleEvent[] = [
  open,
  bookingConfirmed(),
  holdPlaced({ bookingId: 'b2', ...day(2, '12:00', '13:00') }),
  maintenancePlaced({ start: at('09:00'), end: at('09:30') }),
];
function fold(events: RoomScheduleEvent[]): RoomScheduleState {
  return events.reduce(evolve, initialState());
}
function outcome(command: RoomScheduleCommand, state: RoomScheduleState) {
  try {
    return { events: decide(command, state) };
  } catch (error) {
    return { refused: error instanceof DomainError ? error.code : String(error) };
  }
}
