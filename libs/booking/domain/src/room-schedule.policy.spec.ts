// Specs may use the shared test helpers; the domain code itself may not (see README).
import { DeciderSpecification } from '@roomledger/testing';
import {
  BeyondWindow,
  OutsideOpeningHours,
  PolicyViolation,
  RoomRetired,
  SlotTaken,
  TooLong,
  TooShort,
  TooSoon,
  UnderMaintenance,
  ValidationFailed,
} from './errors';
import type { Weekday } from './opening-hours';
import type { RoomPolicy } from './room-policy';
import { roomSchedule } from './room-schedule';
import {
  NOW,
  applyRoomPolicy,
  at,
  bob,
  bookDirectly,
  bookingConfirmed,
  holdPlaced,
  maintenanceLifted,
  maintenancePlaced,
  placeHold,
  policy,
  policyApplied,
} from './room-schedule.fixtures';

const given = DeciderSpecification.for(roomSchedule);

describe('RoomSchedule: the room policy', () => {
  describe('When the room has buffers (10 minutes before, 15 after)', () => {
    it('refuses a booking inside the clean-up time of the one before', () => {
      given([buffered, booked])
        .when(bookDirectly({ bookingId: 'b2', start: at('11:00'), end: at('12:00'), by: bob }))
        .thenThrows(SlotTaken, (error) => {
          expect(error.conflicts).toEqual([{ start: at('09:50'), end: at('11:15') }]);
        });
    });

    it('refuses a booking one minute short of both buffers', () => {
      given([buffered, booked])
        .when(bookDirectly({ bookingId: 'b2', start: at('11:24'), end: at('12:00'), by: bob }))
        .thenThrows(SlotTaken);
    });

    it('accepts a booking with both buffers between them', () => {
      given([buffered, booked])
        .when(bookDirectly({ bookingId: 'b2', start: at('11:25'), end: at('12:00'), by: bob }))
        .then([
          bookingConfirmed({ bookingId: 'b2', start: at('11:25'), end: at('12:00'), organizerId: 'bob' }),
        ]);
    });

    it('keeps a booking’s buffers clear of maintenance', () => {
      given([buffered, maintenancePlaced({ start: at('12:00'), end: at('13:00') })])
        .when(bookDirectly({ start: at('11:00'), end: at('11:50') }))
        .thenThrows(UnderMaintenance);
    });
  });

  describe('When the room is shared (3 seats)', () => {
    it('accepts a third concurrent entry', () => {
      given([shared, booked, seat('b2', '10:30', '11:30')])
        .when(bookDirectly({ bookingId: 'b3', start: at('10:45'), end: at('12:00'), by: bob }))
        .then([
          bookingConfirmed({ bookingId: 'b3', start: at('10:45'), end: at('12:00'), organizerId: 'bob' }),
        ]);
    });

    it('refuses a fourth, naming where all seats are taken', () => {
      given([shared, booked, seat('b2', '10:30', '11:30'), seat('b3', '10:45', '12:00')])
        .when(placeHold({ bookingId: 'b4', start: at('10:50'), end: at('11:10'), by: bob }))
        .thenThrows(SlotTaken, (error) => {
          expect(error.conflicts).toEqual([{ start: at('10:45'), end: at('11:00') }]);
        });
    });

    it('accepts a fourth where only two are left running', () => {
      given([shared, booked, seat('b2', '10:30', '11:30'), seat('b3', '10:45', '12:00')])
        .when(placeHold({ bookingId: 'b4', start: at('11:00'), end: at('11:30'), by: bob }))
        .then([holdPlaced({ bookingId: 'b4', start: at('11:00'), end: at('11:30'), organizerId: 'bob' })]);
    });
  });

  describe('When opening hours apply (weekdays 07:00-20:00 UTC)', () => {
    it('refuses a booking that runs past closing time', () => {
      given([open])
        .when(bookDirectly({ start: at('19:30'), end: at('20:30') }))
        .thenThrows(
          OutsideOpeningHours,
          (error) => error.code === 'policy_violation' && error.rule === 'outside_opening_hours',
        );
    });

    it('accepts a booking that ends exactly at closing time', () => {
      given([open])
        .when(bookDirectly({ start: at('19:00'), end: at('20:00') }))
        .then([bookingConfirmed({ start: at('19:00'), end: at('20:00') })]);
    });

    it('refuses a booking on a day without opening hours (Saturday)', () => {
      given([open])
        .when(bookDirectly({ start: at('10:00', '2026-03-07'), end: at('11:00', '2026-03-07') }))
        .thenThrows(OutsideOpeningHours);
    });

    it('refuses a booking that spans the lunch break between two spans', () => {
      given([
        policyApplied(
          policy({ openingHours: [span('mon', '08:00', '12:00'), span('mon', '13:00', '18:00')] }),
        ),
      ])
        .when(bookDirectly({ start: at('11:00'), end: at('14:00') }))
        .thenThrows(OutsideOpeningHours);
    });

    it('joins touching spans, so a booking may run over midnight in a room open all day', () => {
      given([
        policyApplied(
          policy({ openingHours: [span('mon', '00:00', '24:00'), span('tue', '00:00', '24:00')] }),
        ),
      ])
        .when(bookDirectly({ start: at('23:00'), end: at('01:00', '2026-03-03') }))
        .then([bookingConfirmed({ start: at('23:00'), end: at('01:00', '2026-03-03') })]);
    });
  });

  describe('When a span crosses midnight (Monday 20:00 to 02:00)', () => {
    it('accepts a booking over midnight inside it', () => {
      given([lateNight])
        .when(bookDirectly({ start: at('23:00'), end: at('01:30', '2026-03-03') }))
        .then([bookingConfirmed({ start: at('23:00'), end: at('01:30', '2026-03-03') })]);
    });

    it('refuses a booking that runs past 02:00 on Tuesday', () => {
      given([lateNight])
        .when(bookDirectly({ start: at('01:00', '2026-03-03'), end: at('03:00', '2026-03-03') }))
        .thenThrows(OutsideOpeningHours);
    });
  });

  describe('When the room is in Europe/Berlin across the DST change of 2026-03-29', () => {
    it('accepts Saturday 22:00 CET to Sunday 06:00 CEST, seven hours of real time', () => {
      given([berlin])
        .when(bookDirectly({ start: '2026-03-28T21:00:00Z', end: '2026-03-29T04:00:00Z', at: berlinNow }))
        .then([
          bookingConfirmed({
            start: '2026-03-28T21:00:00Z',
            end: '2026-03-29T04:00:00Z',
            occurredAt: berlinNow,
          }),
        ]);
    });

    it('refuses to run until 05:00Z, which is already 07:00 CEST', () => {
      given([berlin])
        .when(bookDirectly({ start: '2026-03-28T21:00:00Z', end: '2026-03-29T05:00:00Z', at: berlinNow }))
        .thenThrows(OutsideOpeningHours);
    });

    it('runs the same night in October, when clocks go back, for nine hours of real time', () => {
      const october = '2026-10-20T08:00:00Z';
      given([berlin])
        .when(bookDirectly({ start: '2026-10-24T20:00:00Z', end: '2026-10-25T05:00:00Z', at: october }))
        .then([
          bookingConfirmed({
            start: '2026-10-24T20:00:00Z',
            end: '2026-10-25T05:00:00Z',
            occurredAt: october,
          }),
        ]);
    });

    it('opens on the DST Sunday at 08:00 CEST, 06:00Z', () => {
      given([berlin])
        .when(bookDirectly({ start: '2026-03-29T06:00:00Z', end: '2026-03-29T07:00:00Z', at: berlinNow }))
        .then([
          bookingConfirmed({
            start: '2026-03-29T06:00:00Z',
            end: '2026-03-29T07:00:00Z',
            occurredAt: berlinNow,
          }),
        ]);
    });

    it('was still closed at 06:00Z the Sunday before, which was 07:00 CET', () => {
      given([berlin])
        .when(bookDirectly({ start: '2026-03-22T06:00:00Z', end: '2026-03-22T07:00:00Z', at: berlinNow }))
        .thenThrows(OutsideOpeningHours);
    });
  });

  describe('When there are closures', () => {
    it('refuses any booking on a closed day', () => {
      given([policyApplied(policy({ closures: [{ date: '2026-03-03', reason: 'company day' }] }))])
        .when(bookDirectly({ start: at('10:00', '2026-03-03'), end: at('11:00', '2026-03-03') }))
        .thenThrows(OutsideOpeningHours);
    });

    it('refuses a booking over a closed interval but accepts one after it', () => {
      const closedAtNoon = policyApplied(policy({ closures: [{ date: DAY_2, from: '12:00', to: '13:00' }] }));
      given([closedAtNoon])
        .when(bookDirectly({ start: at('11:30', DAY_2), end: at('12:30', DAY_2) }))
        .thenThrows(OutsideOpeningHours);
      given([closedAtNoon])
        .when(bookDirectly({ start: at('13:00', DAY_2), end: at('14:00', DAY_2) }))
        .then([bookingConfirmed({ start: at('13:00', DAY_2), end: at('14:00', DAY_2) })]);
    });

    it('reads closure dates in the room’s time zone', () => {
      const allDayBerlin = policy({
        timeZone: 'Europe/Berlin',
        openingHours: [],
        closures: [{ date: '2026-03-03' }],
      });
      // 23:30Z on Monday is already 00:30 on Tuesday in Berlin.
      given([policyApplied(allDayBerlin)])
        .when(bookDirectly({ start: at('23:30'), end: at('23:50') }))
        .thenThrows(OutsideOpeningHours);
      given([policyApplied(allDayBerlin)])
        .when(bookDirectly({ start: at('22:30'), end: at('22:50') }))
        .then([bookingConfirmed({ start: at('22:30'), end: at('22:50') })]);
    });
  });

  describe('When durations, notice and the booking window apply', () => {
    it('refuses a booking shorter than 15 minutes', () => {
      given([open])
        .when(bookDirectly({ end: at('10:14') }))
        .thenThrows(TooShort, (e) => e.rule === 'too_short');
    });

    it('refuses a booking longer than 8 hours', () => {
      given([open])
        .when(bookDirectly({ start: at('10:00'), end: at('18:01') }))
        .thenThrows(TooLong, (e) => e.rule === 'too_long');
    });

    it('accepts exactly the minimum and the maximum', () => {
      given([open])
        .when(bookDirectly({ end: at('10:15') }))
        .then([bookingConfirmed({ end: at('10:15') })]);
      given([open])
        .when(bookDirectly({ start: at('10:00'), end: at('18:00') }))
        .then([bookingConfirmed({ end: at('18:00') })]);
    });

    it('refuses a start less than 15 minutes from now, or in the past', () => {
      given([open])
        .when(bookDirectly({ start: at('08:14') }))
        .thenThrows(TooSoon, (e) => e.rule === 'too_soon');
      given([open])
        .when(bookDirectly({ start: at('07:30') }))
        .thenThrows(TooSoon);
    });

    it('accepts a start exactly 15 minutes from now', () => {
      given([open])
        .when(bookDirectly({ start: at('08:15'), end: at('09:00') }))
        .then([bookingConfirmed({ start: at('08:15'), end: at('09:00') })]);
    });

    it('refuses a start more than 30 days from now, accepts exactly 30 days', () => {
      const in30Days = '2026-04-01';
      given([open])
        .when(bookDirectly({ start: at('08:01', in30Days), end: at('09:00', in30Days) }))
        .thenThrows(BeyondWindow, (e) => e.rule === 'beyond_window');
      given([open])
        .when(bookDirectly({ start: at('08:00', in30Days), end: at('09:00', in30Days) }))
        .then([bookingConfirmed({ start: at('08:00', in30Days), end: at('09:00', in30Days) })]);
    });
  });

  describe('When the room is under maintenance', () => {
    it('refuses a booking inside the block', () => {
      given([open, maintenancePlaced()])
        .when(placeHold())
        .thenThrows(UnderMaintenance, (e) => e.rule === 'under_maintenance');
    });

    it('accepts the booking once the block is lifted', () => {
      given([open, maintenancePlaced(), maintenanceLifted()]).when(placeHold()).then([holdPlaced()]);
    });
  });

  describe('When the room is retired', () => {
    it('refuses holds and direct bookings', () => {
      const retired = policyApplied(policy({ retired: true }));
      given([retired])
        .when(placeHold())
        .thenThrows(RoomRetired, (e) => e.rule === 'room_retired');
      given([retired]).when(bookDirectly()).thenThrows(PolicyViolation);
    });

    it('takes bookings again if the room service brings the room back', () => {
      given([policyApplied(policy({ retired: true })), policyApplied(policy(), at('07:00'))])
        .when(bookDirectly())
        .then([bookingConfirmed()]);
    });
  });

  describe('When the room service replicates a policy', () => {
    it('records it with every default made explicit', () => {
      given([])
        .when(applyRoomPolicy({ policy: { capacity: 4, timeZone: 'Europe/Berlin' } }))
        .then([
          {
            type: 'RoomPolicyApplied',
            data: {
              roomId: 'room-1',
              occurredAt: NOW,
              policy: {
                capacity: 4,
                seats: 1,
                timeZone: 'Europe/Berlin',
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
        ]);
    });

    it('records a changed policy', () => {
      given([open])
        .when(applyRoomPolicy({ policy: policy({ seats: 2 }) }))
        .then([policyApplied(policy({ seats: 2 }), NOW)]);
    });

    it('answers the same policy again with nothing', () => {
      given([open]).when(applyRoomPolicy()).thenNothingHappened();
    });

    it('keeps existing bookings when the policy tightens', () => {
      given([open, booked, policyApplied(policy({ maxDurationMinutes: 30 }), NOW)])
        .when(bookDirectly({ bookingId: 'b2', start: at('10:30'), end: at('10:45'), by: bob }))
        .thenThrows(SlotTaken);
    });

    it.each<[string, Partial<RoomPolicy>]>([
      ['policy.timeZone', { timeZone: 'Mars/Olympus' }],
      ['policy.timeZone', { timeZone: '+01:00' }],
      ['policy.seats', { seats: 0 }],
      ['policy.openingHours[0]', { openingHours: [span('mon', '25:00', '26:00')] }],
      ['policy.closures[0]', { closures: [{ date: '2026-02-30' }] }],
      ['policy.closures[0]', { closures: [{ date: '2026-03-03', from: '13:00', to: '12:00' }] }],
      ['policy.maxDurationMinutes', { minDurationMinutes: 60, maxDurationMinutes: 30 }],
      ['policy.bufferAfterMinutes', { bufferAfterMinutes: 721 }],
    ])('refuses an invalid %s', (field, overrides) => {
      given([])
        .when(applyRoomPolicy({ policy: policy(overrides) }))
        .thenThrows(ValidationFailed, (error) => error.field === field);
    });

    it('refuses a policy for another room', () => {
      given([open])
        .when(applyRoomPolicy({ roomId: 'room-2' }))
        .thenThrows(ValidationFailed);
    });
  });
});

// Fixtures
const DAY_2 = '2026-03-03';
const berlinNow = '2026-03-20T08:00:00Z';
function span(weekday: Weekday, opens: string, closes: string) {
  return { weekday, opens, closes };
}
const open = policyApplied();
const buffered = policyApplied(policy({ bufferBeforeMinutes: 10, bufferAfterMinutes: 15 }));
const shared = policyApplied(policy({ seats: 3 }));
const lateNight = policyApplied(policy({ openingHours: [span('mon', '20:00', '02:00')] }));
const berlin = policyApplied(
  policy({
    timeZone: 'Europe/Berlin',
    openingHours: [span('sat', '22:00', '06:00'), span('sun', '08:00', '18:00')],
    maxDurationMinutes: 600,
  }),
);
const booked = bookingConfirmed();
const seat = (bookingId: string, start: string, end: string) =>
  bookingConfirmed({ bookingId, start: at(start), end: at(end), organizerId: 'bob' });
