import { applyRoomPolicy, blockForMaintenance, liftMaintenance } from './decide-maintenance';
import { cancelBooking, rescheduleBooking } from './decide-change';
import { bookDirectly, confirmBooking, expireHold, placeHold } from './decide-reservation';
import { bookSeries } from './decide-series';
import type { RoomScheduleCommand } from './room-schedule.commands';
import type { RoomScheduleEvent } from './room-schedule.events';
import { evolve, initialState, type RoomScheduleState } from './room-schedule.state';

/**
 * The RoomSchedule decider: the one place that decides when a room is taken. Pure: `now`, ids,
 * the actor and the policy arrive with the command or from earlier events. A refusal is a thrown
 * `DomainError`; "nothing to do" (an idempotent repeat) is an empty list.
 */
export const decide = (command: RoomScheduleCommand, state: RoomScheduleState): RoomScheduleEvent[] => {
  switch (command.type) {
    case 'PlaceHold':
      return placeHold(command, state);
    case 'BookDirectly':
      return bookDirectly(command, state);
    case 'ConfirmBooking':
      return confirmBooking(command, state);
    case 'CancelBooking':
      return cancelBooking(command, state);
    case 'ExpireHold':
      return expireHold(command, state);
    case 'RescheduleBooking':
      return rescheduleBooking(command, state);
    case 'BlockForMaintenance':
      return blockForMaintenance(command, state);
    case 'LiftMaintenance':
      return liftMaintenance(command, state);
    case 'ApplyRoomPolicy':
      return applyRoomPolicy(command, state);
    case 'BookSeries':
      return bookSeries(command, state);
    default: {
      const unhandled: never = command;
      throw new Error(`RoomSchedule cannot handle ${(unhandled as { type: string }).type}`);
    }
  }
};

export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export const roomSchedule: Decider<RoomScheduleCommand, RoomScheduleEvent, RoomScheduleState> = {
  decide,
  evolve,
  initialState,
};
