// Specs may use the shared test helpers; the domain code itself may not (see README).
import { DeciderSpecification } from '@roomledger/testing';
import { Forbidden, RoomNotFound, RoomVersionMismatch } from './errors';
import { room } from './room';
import { evolve, initialState } from './room.state';
import {
  alice,
  profile,
  retireRoom,
  roomPolicyChanged,
  roomRegistered,
  roomRetired,
  roomUpdated,
} from './room.fixtures';

const given = DeciderSpecification.for(room);
const registered = roomRegistered();

describe('Room: retiring', () => {
  describe('When the room is active', () => {
    it('retires it, carrying the room as it is and the reason', () => {
      given([registered])
        .when(retireRoom({ reason: ' moved out ' }))
        .then([roomRetired(profile(), 'moved out')]);
    });

    it('retires it on the version named by If-Match', () => {
      given([registered])
        .when(retireRoom({ expectedVersion: 1 }))
        .then([roomRetired()]);
    });

    it('refuses another version', () => {
      given([registered])
        .when(retireRoom({ expectedVersion: 3 }))
        .thenThrows(RoomVersionMismatch, (error) => error.actualVersion === 1);
    });
  });

  describe('When the room is retired already', () => {
    it('records nothing (a retried command), whatever version it names', () => {
      given([registered, roomRetired()])
        .when(retireRoom({ expectedVersion: 1 }))
        .thenNothingHappened();
    });
  });

  describe('When the retirement may not happen', () => {
    it('refuses a caller who is not an admin', () => {
      given([registered])
        .when(retireRoom({ by: alice }))
        .thenThrows(Forbidden);
    });

    it('refuses an unknown room', () => {
      given([]).when(retireRoom()).thenThrows(RoomNotFound);
    });
  });
});

describe('Room: the state', () => {
  it('counts versions (stream revision + 1) and follows the status through every event', () => {
    const renamed = profile({ name: 'Renamed' });
    const reopened = profile({ name: 'Renamed', closures: [{ date: '2026-04-03' }] });
    const states = [
      registered,
      roomUpdated(renamed, ['name']),
      roomPolicyChanged(reopened, ['closures']),
      roomRetired(reopened),
    ].reduce((all, event) => [...all, evolve(all[all.length - 1], event)], [initialState()]);
    expect(
      states.map((state) =>
        state.status === 'unregistered' ? [state.status] : [state.status, state.version],
      ),
    ).toEqual([['unregistered'], ['active', 1], ['active', 2], ['active', 3], ['retired', 4]]);
    expect(states[4]).toMatchObject({ roomId: 'room-1', room: reopened, updatedAt: '2026-03-02T09:30:00Z' });
  });
});
