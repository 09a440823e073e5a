import { isoOf, parseInstant, type IsoInstant } from '@roomledger/booking-domain';
import {
  Forbidden,
  InvalidRoomState,
  RoomAlreadyExists,
  RoomNotFound,
  RoomVersionMismatch,
  ValidationFailed,
} from './errors';
import type {
  Actor,
  CommandMetadata,
  RegisterRoom,
  RetireRoom,
  RoomCommand,
  UpdateRoom,
} from './room.commands';
import type { RoomEvent, RoomPolicyChanged, RoomRegistered, RoomRetired, RoomUpdated } from './room.events';
import {
  applyRoomChanges,
  changedFields,
  isPolicyField,
  normalizeRoomProfile,
  sameJson,
} from './room-profile';
import { evolve, initialState, type RegisteredRoom, type RoomState } from './room.state';

/**
 * The Room decider: the catalogue entry of one room, stream `room-<roomId>`. Pure: `now`, the actor
 * and the ids arrive with the command. A refusal is a thrown error (`ValidationFailed` naming the
 * field, `Forbidden`, a `RoomError`); "nothing to do" (an idempotent repeat) is an empty list.
 */
export const decide = (command: RoomCommand, state: RoomState): RoomEvent[] => {
  switch (command.type) {
    case 'RegisterRoom':
      return registerRoom(command, state);
    case 'UpdateRoom':
      return updateRoom(command, state);
    case 'RetireRoom':
      return retireRoom(command, state);
    default: {
      const unhandled: never = command;
      throw new Error(`Room cannot handle ${(unhandled as { type: string }).type}`);
    }
  }
};

export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export const room: Decider<RoomCommand, RoomEvent, RoomState> = { decide, evolve, initialState };

/** A room id: it names the stream `room-<roomId>` and the Kafka key, so it is kept plain. */
const ROOM_ID = /^[A-Za-z0-9][A-Za-z0-9._:~-]{0,99}$/;

/**
 * Registers a room; registering the very same room again (a retried command) changes nothing, any
 * other room under a taken id is `already_exists`.
 */
const registerRoom = (command: RegisterRoom, state: RoomState): RoomRegistered[] => {
  const { actor, occurredAt } = contextOf(command.metadata, 'register a room');
  const roomId = requireRoomId(command.data.roomId);
  const profile = normalizeRoomProfile(command.data.room);
  if (state.status !== 'unregistered') {
    if (state.status === 'active' && state.version === 1 && sameJson(state.room, profile)) return [];
    throw new RoomAlreadyExists(roomId);
  }
  return [
    { type: 'RoomRegistered', data: { roomId, occurredAt, room: profile, registeredBy: actor.userId } },
  ];
};

/**
 * Changes the fields given. Only opening hours, closures or policy changed: `RoomPolicyChanged`;
 * anything else changed (with or without policy fields): one `RoomUpdated` naming every changed field.
 * No difference: nothing.
 */
const updateRoom = (command: UpdateRoom, state: RoomState): (RoomUpdated | RoomPolicyChanged)[] => {
  const { actor, occurredAt } = contextOf(command.metadata, 'change a room');
  const current = requireRoom(state, command.data.roomId);
  if (current.status === 'retired') {
    throw new InvalidRoomState(current.roomId, current.status, 'a retired room cannot be changed');
  }
  requireVersion(current, command.data.expectedVersion);
  const after = applyRoomChanges(current.room, command.data.changes);
  const changed = changedFields(current.room, after);
  if (changed.length === 0) return [];
  const fact = { roomId: current.roomId, occurredAt, room: after, changed };
  return changed.every(isPolicyField)
    ? [{ type: 'RoomPolicyChanged', data: { ...fact, changedBy: actor.userId } }]
    : [{ type: 'RoomUpdated', data: { ...fact, updatedBy: actor.userId } }];
};

/** Retires an active room; a retired one stays as it is (nothing happens). */
const retireRoom = (command: RetireRoom, state: RoomState): RoomRetired[] => {
  const { actor, occurredAt } = contextOf(command.metadata, 'retire a room');
  const current = requireRoom(state, command.data.roomId);
  if (current.status === 'retired') return [];
  requireVersion(current, command.data.expectedVersion);
  const reason = command.data.reason?.trim();
  return [
    {
      type: 'RoomRetired',
      data: {
        roomId: current.roomId,
        occurredAt,
        room: current.room,
        retiredBy: actor.userId,
        ...(reason ? { reason } : {}),
      },
    },
  ];
};

/** The decision's time and actor; every write to the catalogue is an admin's. */
const contextOf = (metadata: CommandMetadata, what: string): { actor: Actor; occurredAt: IsoInstant } => {
  const now = parseInstant(metadata?.now);
  if (now === undefined) throw new ValidationFailed('metadata.now', 'an instant with an offset');
  const actor = metadata.actor;
  if (typeof actor?.userId !== 'string' || !Array.isArray(actor.roles))
    throw new ValidationFailed('metadata.actor', 'userId and roles');
  if (!actor.roles.includes('admin')) throw new Forbidden(`only an admin may ${what}`);
  return { actor, occurredAt: isoOf(now) };
};

const requireRoomId = (value: unknown): string => {
  if (typeof value !== 'string' || !ROOM_ID.test(value))
    throw new ValidationFailed('roomId', '1..100 characters: letters, digits, and . _ : ~ - inside');
  return value;
};

const requireRoom = (state: RoomState, roomId: unknown): RegisteredRoom => {
  const id = requireRoomId(roomId);
  if (state.status === 'unregistered') throw new RoomNotFound(id);
  if (state.roomId !== id) throw new ValidationFailed('roomId', `this stream belongs to ${state.roomId}`);
  return state;
};

const requireVersion = (current: RegisteredRoom, expected: number | undefined): void => {
  if (expected !== undefined && expected !== current.version) {
    throw new RoomVersionMismatch(current.roomId, expected, current.version);
  }
};
