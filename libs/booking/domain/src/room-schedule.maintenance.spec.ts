// Specs may use the shared test helpers; the domain code itself may not (see README).
import { DeciderSpecification } from '@roomledger/testing';
import { AlreadyExists, Forbidden, NotFound, RoomRetired, SlotTaken, ValidationFailed } from './errors';
import { roomSchedule } from './room-schedule';
import {
  ada,
  alice,
  at,
  blockForMaintenance,
  bookingCancelled,
  bookingConfirmed,
  holdPlaced,
  liftMaintenance,
  maintenanceLifted,
  maintenancePlaced,
  policy,
  policyApplied,
} from './room-schedule.fixtures';

const given = DeciderSpecification.for(roomSchedule);

describe('RoomSchedule: maintenance', () => {
  describe('When the room is free', () => {
    it('lets an admin block it, with a reason', () => {
      given([open])
        .when(blockForMaintenance({ reason: 'new projector', by: ada }))
        .then([maintenancePlaced({ reason: 'new projector' })]);
    });

    it('refuses anyone who is not an admin', () => {
      given([open])
        .when(blockForMaintenance({ by: alice }))
        .thenThrows(Forbidden);
    });

    it('refuses a block that is over already', () => {
      given([open])
        .when(blockForMaintenance({ start: at('06:00'), end: at('07:00'), by: ada }))
        .thenThrows(ValidationFailed);
    });

    it('refuses a block id already in use', () => {
      given([open, maintenancePlaced()])
        .when(blockForMaintenance({ start: at('14:00'), end: at('15:00'), by: ada }))
        .thenThrows(AlreadyExists);
    });

    it('refuses in a retired room', () => {
      given([policyApplied(policy({ retired: true }))])
        .when(blockForMaintenance({ by: ada }))
        .thenThrows(RoomRetired);
    });
  });

  describe('When confirmed bookings or live holds are in the way', () => {
    it('refuses, naming the conflicts and the bookings', () => {
      given([open, bookingConfirmed(), holdPlaced({ bookingId: 'b2', start: at('11:30'), end: at('12:30') })])
        .when(blockForMaintenance({ by: ada }))
        .thenThrows(SlotTaken, (error) => {
          expect(error.conflicts).toEqual([
            { start: at('10:00'), end: at('11:00') },
            { start: at('11:30'), end: at('12:30') },
          ]);
          expect(error.details.bookingIds).toEqual(['b1', 'b2']);
        });
    });

    it('counts buffers: a booking whose clean-up runs into the block is in the way', () => {
      given([
        policyApplied(policy({ bufferAfterMinutes: 15 })),
        bookingConfirmed({ start: at('08:00'), end: at('09:00') }),
      ])
        .when(blockForMaintenance({ by: ada }))
        .thenThrows(SlotTaken);
    });

    it('with force, places the block and cancels them for maintenance in the same decision', () => {
      given([open, bookingConfirmed(), holdPlaced({ bookingId: 'b2', start: at('11:30'), end: at('12:30') })])
        .when(blockForMaintenance({ force: true, by: ada }))
        .then([
          maintenancePlaced({ cancelledBookingIds: ['b1', 'b2'] }),
          bookingCancelled({ cancelledBy: 'ada', reason: 'maintenance', maintenanceBlockId: 'm1' }),
          bookingCancelled({
            bookingId: 'b2',
            start: at('11:30'),
            end: at('12:30'),
            previousStatus: 'held',
            cancelledBy: 'ada',
            reason: 'maintenance',
            maintenanceBlockId: 'm1',
          }),
        ]);
    });

    it('ignores a hold that has expired and a booking already cancelled', () => {
      given([
        open,
        holdPlaced({ occurredAt: at('07:00') }),
        bookingConfirmed({ bookingId: 'b2' }),
        bookingCancelled({ bookingId: 'b2' }),
      ])
        .when(blockForMaintenance({ by: ada }))
        .then([maintenancePlaced()]);
    });
  });

  describe('When a block is lifted', () => {
    it('records the lift with the block’s interval', () => {
      given([open, maintenancePlaced()])
        .when(liftMaintenance({ by: ada }))
        .then([maintenanceLifted()]);
    });

    it('refuses anyone who is not an admin', () => {
      given([open, maintenancePlaced()])
        .when(liftMaintenance({ by: alice }))
        .thenThrows(Forbidden);
    });

    it('refuses a block it does not know, including one already lifted', () => {
      given([open])
        .when(liftMaintenance({ by: ada }))
        .thenThrows(NotFound);
      given([open, maintenancePlaced(), maintenanceLifted()])
        .when(liftMaintenance({ by: ada }))
        .thenThrows(NotFound);
    });
  });
});

// Fixtures
const open = policyApplied();
