// Specs may use the shared test helpers; the domain code itself may not (see README).
import { DeciderSpecification } from '@roomledger/testing';
import { DomainError, NotFound } from './errors';
import { decide } from './room-schedule';
import type { RoomScheduleCommand } from './room-schedule.commands';
import type { RoomScheduleEvent } from './room-schedule.events';
import { createEvolve, evolve, initialState, type RoomScheduleState } from './room-schedule.state';
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
  holdPlaced,
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
      expect(state.status === 'active' && state.bookings['b1'].version).toBe(3);
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
      expect(state.status === 'active' && Object.keys(state.bookings)).toEqual(['b3']);
      expect(state.status === 'active' && state.maintenance).toEqual({});
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
      expect(state.status === 'active' && Object.keys(state.bookings).sort()).toEqual(['b1', 'b2', 'b3']);
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

  describe('When the state is snapshotted', () => {
    it('survives JSON and decides as before', () => {
      const state = fold([
        open,
        holdPlaced(),
        bookingConfirmed({ bookingId: 'b2', ...day(2, '12:00', '13:00') }),
        maintenancePlaced({ start: at('15:00'), end: at('16:00') }),
      ]);
      const restored = JSON.parse(JSON.stringify(state)) as RoomScheduleState;
      expect(restored).toEqual(state);
      const command = placeHold({ bookingId: 'b3', ...day(2, '12:30', '13:30'), by: bob });
      expect(outcome(command, restored)).toEqual(outcome(command, state));
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
