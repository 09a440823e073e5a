import type { IsoInstant } from './instants';

/** The policy rules a `policy_violation` names (the public API's list). */
export const POLICY_RULES = [
  'outside_opening_hours',
  'too_long',
  'too_short',
  'too_soon',
  'beyond_window',
  'room_retired',
  'under_maintenance',
] as const;
export type PolicyRule = (typeof POLICY_RULES)[number];

/**
 * Every `code` a RoomSchedule decision can fail with. The gateway's one mapping table turns these
 * into HTTP statuses and gRPC codes; `room_unknown`, `already_exists` and `invalid_booking_state`
 * are new codes in the architecture's style (suggested: 404, 409, 409).
 */
export const DOMAIN_ERROR_CODES = [
  'validation_failed',
  'forbidden',
  'not_found',
  'room_unknown',
  'already_exists',
  'slot_taken',
  'hold_expired',
  'invalid_booking_state',
  'version_mismatch',
  'policy_violation',
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export interface TimeSpan {
  readonly start: IsoInstant;
  readonly end: IsoInstant;
}

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailed extends DomainError {
  readonly code = 'validation_failed';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export class Forbidden extends DomainError {
  readonly code = 'forbidden';
}

export class NotFound extends DomainError {
  readonly code = 'not_found';
  constructor(
    readonly resource: 'booking' | 'maintenance_block',
    readonly id: string,
  ) {
    super(`${resource} ${id} not found`);
  }
}

/** No `RoomPolicyApplied` yet: the booking service learns rooms only from the room service's events. */
export class RoomNotKnown extends DomainError {
  readonly code = 'room_unknown';
  constructor() {
    super('room has no policy yet');
  }
}

export class AlreadyExists extends DomainError {
  readonly code = 'already_exists';
  constructor(readonly id: string) {
    super(`${id} is already used in this room`);
  }
}

export interface OccurrenceConflict extends TimeSpan {
  readonly bookingId: string;
  readonly conflicts: readonly TimeSpan[];
}

/** `conflicts` are busy intervals (buffers applied), as the availability query reports them. */
export class SlotTaken extends DomainError {
  readonly code = 'slot_taken';
  constructor(
    readonly conflicts: readonly TimeSpan[],
    readonly details: { occurrences?: readonly OccurrenceConflict[]; bookingIds?: readonly string[] } = {},
  ) {
    super(`slot taken: ${conflicts.map((c) => `${c.start}/${c.end}`).join(', ')}`);
  }
}

export class HoldAlreadyExpired extends DomainError {
  readonly code = 'hold_expired';
  constructor(
    readonly bookingId: string,
    readonly expiresAt: IsoInstant,
  ) {
    super(`hold ${bookingId} expired at ${expiresAt}`);
  }
}

/** E.g. confirming a cancelled booking, rescheduling a hold or a booking that has ended. */
export class InvalidBookingState extends DomainError {
  readonly code = 'invalid_booking_state';
  constructor(
    readonly bookingId: string,
    readonly status: string,
    message: string,
  ) {
    super(`booking ${bookingId} (${status}): ${message}`);
  }
}

export class VersionMismatch extends DomainError {
  readonly code = 'version_mismatch';
  constructor(
    readonly bookingId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`booking ${bookingId} is at version ${actualVersion}, not ${expectedVersion}`);
  }
}

export class PolicyViolation extends DomainError {
  readonly code = 'policy_violation';
  constructor(
    readonly rule: PolicyRule,
    message: string,
    readonly interval?: TimeSpan,
  ) {
    super(`${rule}: ${message}`);
  }
}

const policyRule = (rule: PolicyRule) =>
  class extends PolicyViolation {
    constructor(message: string, interval?: TimeSpan) {
      super(rule, message, interval);
    }
  };

export class OutsideOpeningHours extends policyRule('outside_opening_hours') {}
export class TooLong extends policyRule('too_long') {}
export class TooShort extends policyRule('too_short') {}
export class TooSoon extends policyRule('too_soon') {}
export class BeyondWindow extends policyRule('beyond_window') {}
export class RoomRetired extends policyRule('room_retired') {}
export class UnderMaintenance extends policyRule('under_maintenance') {}
