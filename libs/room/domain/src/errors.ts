import { Forbidden, ValidationFailed } from '@roomledger/booking-domain';

/**
 * `ValidationFailed` (with the `field`) and `Forbidden` are the booking domain's classes: the room
 * catalogue validates time zones, opening hours, closures and booking rules with the booking domain's
 * own validators, so a bad field is the same error whichever service finds it.
 */
export { Forbidden, ValidationFailed };

/**
 * Every `code` a Room decision can fail with (`@roomledger/contracts`' ERROR_CODES maps them to HTTP and
 * gRPC). `invalid_room_state` is new, in the style of `invalid_booking_state` (409, FAILED_PRECONDITION).
 */
export const ROOM_ERROR_CODES = [
  'validation_failed',
  'forbidden',
  'not_found',
  'already_exists',
  'invalid_room_state',
  'version_mismatch',
] as const;
export type RoomErrorCode = (typeof ROOM_ERROR_CODES)[number];

/** A refusal of the room catalogue (besides `ValidationFailed` and `Forbidden`, see above). */
export abstract class RoomError extends Error {
  abstract readonly code: RoomErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class RoomNotFound extends RoomError {
  readonly code = 'not_found';
  constructor(readonly roomId: string) {
    super(`room ${roomId} not found`);
  }
}

/** The room id is taken (by another room, or by this one with other details). */
export class RoomAlreadyExists extends RoomError {
  readonly code = 'already_exists';
  constructor(readonly roomId: string) {
    super(`room ${roomId} is already registered`);
  }
}

/** E.g. updating a retired room. */
export class InvalidRoomState extends RoomError {
  readonly code = 'invalid_room_state';
  constructor(
    readonly roomId: string,
    readonly status: string,
    message: string,
  ) {
    super(`room ${roomId} (${status}): ${message}`);
  }
}

/** `If-Match` named another version of the room than the current one. */
export class RoomVersionMismatch extends RoomError {
  readonly code = 'version_mismatch';
  constructor(
    readonly roomId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`room ${roomId} is at version ${actualVersion}, not ${expectedVersion}`);
  }
}
