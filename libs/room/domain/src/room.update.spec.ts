// Specs may use the shared test helpers; the domain code itself may not (see README).
import { DeciderSpecification } from '@roomledger/testing';
import { Forbidden, InvalidRoomState, RoomNotFound, RoomVersionMismatch, ValidationFailed } from './errors';
import { room } from './room';
import {
  alice,
  profile,
  roomPolicyChanged,
  roomRegistered,
  roomRetired,
  roomUpdated,
  updateRoom,
} from './room.fixtures';

const given = DeciderSpecification.for(room);
const registered = roomRegistered();

describe('Room: updating', () => {
  describe('When the description changes', () => {
    it('records RoomUpdated with the whole room after the change and the fields that changed', () => {
      given([registered])
        .when(updateRoom({ name: 'Spree 3.14', capacity: 10 }))
        .then([roomUpdated(profile({ name: 'Spree 3.14', capacity: 10 }), ['name', 'capacity'])]);
    });

    it('changes only the fields given, and replaces a list as a whole', () => {
      given([registered])
        .when(updateRoom({ amenities: ['video_conference'] }))
        .then([roomUpdated(profile({ amenities: ['video_conference'] }), ['amenities'])]);
    });

    it('clears the building and the floor with null', () => {
      const { building: _building, floor: _floor, ...withoutPlace } = profile();
      given([registered])
        .when(updateRoom({ building: null, floor: null }))
        .then([roomUpdated(withoutPlace, ['building', 'floor'])]);
    });

    it('counts a new time zone as a description change', () => {
      given([registered])
        .when(updateRoom({ timeZone: 'Europe/Lisbon' }))
        .then([roomUpdated(profile({ timeZone: 'Europe/Lisbon' }), ['timeZone'])]);
    });

    it('names policy fields too when they change in the same update, in one RoomUpdated', () => {
      const after = profile({ seats: 2, policy: { ...profile().policy, maxDurationMinutes: 120 } });
      given([registered])
        .when(updateRoom({ seats: 2, policy: { maxDurationMinutes: 120 } }))
        .then([roomUpdated(after, ['seats', 'policy.maxDurationMinutes'])]);
    });
  });

  describe('When only opening hours, closures or the booking policy change', () => {
    it('records RoomPolicyChanged, merging the policy field by field', () => {
      const after = profile({
        policy: { ...profile().policy, minNoticeMinutes: 30, bookingWindowDays: null },
      });
      given([registered])
        .when(updateRoom({ policy: { minNoticeMinutes: 30, bookingWindowDays: null } }))
        .then([roomPolicyChanged(after, ['policy.bookingWindowDays', 'policy.minNoticeMinutes'])]);
    });

    it('records RoomPolicyChanged for new closures and opening hours', () => {
      const closures = [{ date: '2026-04-03', reason: 'Good Friday' }];
      const openingHours = [{ weekday: 'sat', opens: '10:00', closes: '14:00' }] as const;
      given([registered])
        .when(updateRoom({ closures, openingHours }))
        .then([roomPolicyChanged(profile({ closures, openingHours }), ['openingHours', 'closures'])]);
    });
  });

  describe('When nothing would change', () => {
    it('records nothing, also for a room read back from the store with its keys in another order', () => {
      const stored = reordered(profile());
      given([roomRegistered(stored)])
        .when(updateRoom({ openingHours: profile().openingHours, policy: profile().policy }))
        .thenNothingHappened();
      given([roomRegistered(stored)])
        .when(updateRoom({ name: 'Renamed' }))
        .then([roomUpdated({ ...stored, name: 'Renamed' } as never, ['name'])]);
    });

    it('records nothing', () => {
      given([registered])
        .when(updateRoom({ name: 'Spree 3.12', policy: { maxDurationMinutes: 480 } }))
        .thenNothingHappened();
      given([registered]).when(updateRoom({})).thenNothingHappened();
    });
  });

  describe('When the change is invalid', () => {
    it('refuses a capacity below the seats, naming the capacity', () => {
      given([roomRegistered(profile({ seats: 4 }))])
        .when(updateRoom({ capacity: 3 }))
        .thenThrows(ValidationFailed, (error) => error.field === 'capacity');
    });

    it('refuses more seats than capacity, naming the seats', () => {
      given([registered])
        .when(updateRoom({ seats: 9 }))
        .thenThrows(ValidationFailed, (error) => error.field === 'seats');
    });

    it('refuses a merged policy whose minimum exceeds its maximum', () => {
      given([registered])
        .when(updateRoom({ policy: { minDurationMinutes: 600 } }))
        .thenThrows(ValidationFailed, (error) => error.field === 'policy.maxDurationMinutes');
    });

    it('refuses overlapping opening hours and an unknown time zone', () => {
      given([registered])
        .when(
          updateRoom({
            openingHours: [
              { weekday: 'mon', opens: '08:00', closes: '18:00' },
              { weekday: 'mon', opens: '17:00', closes: '19:00' },
            ],
          }),
        )
        .thenThrows(ValidationFailed, (error) => error.field === 'openingHours[1]');
      given([registered])
        .when(updateRoom({ timeZone: 'Europe/Atlantis' }))
        .thenThrows(ValidationFailed, (error) => error.field === 'timeZone');
    });
  });

  describe('When If-Match is given', () => {
    it('applies the change on the current version', () => {
      given([registered])
        .when(updateRoom({ name: 'Renamed' }, { expectedVersion: 1 }))
        .then([roomUpdated(profile({ name: 'Renamed' }), ['name'])]);
    });

    it('refuses another version', () => {
      const renamed = profile({ name: 'Renamed' });
      given([registered, roomUpdated(renamed, ['name'])])
        .when(updateRoom({ capacity: 9 }, { expectedVersion: 1 }))
        .thenThrows(RoomVersionMismatch, (error) => {
          expect(error).toMatchObject({ code: 'version_mismatch', expectedVersion: 1, actualVersion: 2 });
        });
    });
  });

  describe('When the update may not happen', () => {
    it('refuses a caller who is not an admin', () => {
      given([registered])
        .when(updateRoom({ name: 'Mine' }, { by: alice }))
        .thenThrows(Forbidden);
    });

    it('refuses an unknown room', () => {
      given([])
        .when(updateRoom({ name: 'Ghost' }))
        .thenThrows(RoomNotFound, (error) => error.code === 'not_found');
    });

    it('refuses a retired room with invalid_room_state', () => {
      given([registered, roomRetired()])
        .when(updateRoom({ name: 'Revived' }))
        .thenThrows(
          InvalidRoomState,
          (error) => error.code === 'invalid_room_state' && error.status === 'retired',
        );
    });
  });
});

/** What `jsonb` does to a stored room: the same values, object keys in another order. */
function reordered<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reordered) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, inner]) => [key, reordered(inner)]),
    ) as T;
  }
  return value;
}
