import fc from 'fast-check';
import { availability, findConflicts } from './availability';
import { MINUTE_MS, isoOf, msOf } from './instants';
import { decide } from './room-schedule';
import { RoomNotKnown, ValidationFailed } from './errors';
import type { RoomScheduleEvent } from './room-schedule.events';
import { evolve, initialState } from './room-schedule.state';
import {
  NOW,
  at,
  bookDirectly,
  bookingConfirmed,
  holdPlaced,
  maintenancePlaced,
  policy,
  policyApplied,
} from './room-schedule.fixtures';

describe('Availability of a room', () => {
  describe('When the day has a booking, a live hold, an expired hold and maintenance', () => {
    it('reports busy time with buffers and free time between, within opening hours', () => {
      expect(availability(fold(busyDay), query())).toEqual({
        busy: [
          { start: at('09:50'), end: at('11:15') },
          { start: at('13:00'), end: at('14:00') },
          { start: at('15:50'), end: at('17:15') },
        ],
        free: [
          { start: at('08:15'), end: at('09:35') },
          { start: at('11:25'), end: at('12:45') },
          { start: at('14:10'), end: at('15:35') },
          { start: at('17:25'), end: at('20:00') },
        ],
      });
    });

    it('counts a hold as busy only until it expires', () => {
      const later = availability(fold(busyDay), query({ now: at('09:00') }));
      expect(later.busy).not.toContainEqual({ start: at('15:50'), end: at('17:15') });
    });

    it('leaves out free time shorter than asked for', () => {
      expect(availability(fold(busyDay), query({ minDurationMinutes: 81 })).free).toEqual([
        { start: at('14:10'), end: at('15:35') },
        { start: at('17:25'), end: at('20:00') },
      ]);
    });

    it('names the busy time a slot would run into', () => {
      expect(findConflicts(fold(busyDay), { start: at('11:00'), end: at('11:20'), now: NOW })).toEqual([
        { start: at('09:50'), end: at('11:15') },
      ]);
      expect(
        findConflicts(fold(busyDay), {
          start: at('11:00'),
          end: at('11:20'),
          now: NOW,
          excludingBookingId: 'b1',
        }),
      ).toEqual([]);
    });
  });

  describe('When the room is shared', () => {
    it('is busy only where every seat is taken', () => {
      const state = fold([
        policyApplied(policy({ seats: 2 })),
        bookingConfirmed(),
        bookingConfirmed({ bookingId: 'b2', start: at('10:30'), end: at('12:00') }),
      ]);
      expect(availability(state, query({ from: at('09:00'), to: at('13:00') }))).toEqual({
        busy: [{ start: at('10:30'), end: at('11:00') }],
        free: [
          { start: at('09:00'), end: at('10:30') },
          { start: at('11:00'), end: at('13:00') },
        ],
      });
    });
  });

  describe('When free time is compared with what decide accepts', () => {
    it('lists a slot as free exactly when a booking there would be accepted', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(1, 2),
          fc.constantFrom(0, 15),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 8 })), {
            maxLength: 8,
          }),
          fc.tuple(fc.integer({ min: -4, max: 60 }), fc.integer({ min: 1, max: 8 })),
          (seats, buffer, existing, [from, slots]) => {
            const room = policy({ seats, bufferBeforeMinutes: buffer, bufferAfterMinutes: buffer });
            let state = fold([policyApplied(room)]);
            existing.forEach(([offset, length], i) => {
              const command = bookDirectly({
                bookingId: `e${i}`,
                start: grid(offset),
                end: grid(offset + length),
              });
              try {
                state = decide(command, state).reduce(evolve, state);
              } catch {
                // refused: the schedule keeps only what fits
              }
            });
            const candidate = { start: grid(from), end: grid(from + slots) };
            const { free } = availability(state, {
              from: grid(-8),
              to: grid(72),
              minDurationMinutes: 0,
              now: NOW,
            });
            const listedFree = free.some(
              (f) => msOf(f.start) <= msOf(candidate.start) && msOf(candidate.end) <= msOf(f.end),
            );
            let accepted = true;
            try {
              decide(bookDirectly({ bookingId: 'candidate', ...candidate }), state);
            } catch {
              accepted = false;
            }
            expect(listedFree).toBe(accepted);
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('When the room is retired or unknown', () => {
    it('has no free time when retired', () => {
      expect(availability(fold([policyApplied(policy({ retired: true }))]), query()).free).toEqual([]);
    });

    it('refuses a room without policy', () => {
      expect(() => availability(initialState(), query())).toThrow(RoomNotKnown);
    });

    it('refuses a window that ends before it starts', () => {
      expect(() => availability(fold(busyDay), query({ from: at('12:00'), to: at('11:00') }))).toThrow(
        ValidationFailed,
      );
    });
  });
});

// Fixtures
const buffered = policyApplied(policy({ bufferBeforeMinutes: 10, bufferAfterMinutes: 15 }));
const busyDay: RoomScheduleEvent[] = [
  buffered,
  bookingConfirmed(),
  holdPlaced({ bookingId: 'b2', start: at('16:00'), end: at('17:00'), expiresAt: at('08:30') }),
  holdPlaced({ bookingId: 'b3', start: at('12:00'), end: at('13:00'), occurredAt: at('07:00') }),
  maintenancePlaced({ start: at('13:00'), end: at('14:00') }),
];
/** 15-minute steps from 08:00 on the fixture day; 07:00-20:00 is open. */
function grid(step: number) {
  return isoOf(msOf(at('08:00')) + step * 15 * MINUTE_MS);
}
function fold(events: RoomScheduleEvent[]) {
  return events.reduce(evolve, initialState());
}
function query(overrides: Partial<Parameters<typeof availability>[1]> = {}) {
  return { from: at('00:00'), to: at('23:59'), minDurationMinutes: 30, now: NOW, ...overrides };
}
