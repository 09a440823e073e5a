import type { ErrorCode } from '@roomledger/contracts';

/**
 * A refusal of the user service: a stable `code` (`@roomledger/contracts`' ERROR_CODES maps it to HTTP
 * and gRPC) and what the caller needs to act on it in `info` (ErrorInfo metadata). Messages never
 * contain a password, a token or an e-mail address.
 */
export abstract class UserError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  /** ErrorInfo metadata: strings only. */
  info(): Record<string, string> {
    return {};
  }
}

/** A field the caller sent is unusable; `reason` says why in a word clients can switch on. */
export class ValidationFailed extends UserError {
  readonly code = 'validation_failed';
  constructor(
    readonly field: string,
    readonly reason: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }

  override info(): Record<string, string> {
    return { field: this.field, reason: this.reason };
  }
}

export class EmailTaken extends UserError {
  readonly code = 'already_exists';
  constructor() {
    super('a user with this e-mail address already exists');
  }

  override info(): Record<string, string> {
    return { field: 'email' };
  }
}

export class UserNotFound extends UserError {
  readonly code = 'not_found';
  constructor(readonly userId: string) {
    super(`user ${userId} not found`);
  }
}

/** Why a caller is not let in; the reasons of one kind (credentials) deliberately share one message. */
export type UnauthenticatedReason =
  | 'invalid_credentials'
  | 'user_deactivated'
  | 'invalid_refresh_token'
  | 'refresh_token_reused'
  | 'missing_caller';

export class Unauthenticated extends UserError {
  readonly code = 'unauthenticated';
  constructor(
    readonly reason: UnauthenticatedReason,
    message: string,
  ) {
    super(message);
  }

  override info(): Record<string, string> {
    return { reason: this.reason };
  }
}

export class Forbidden extends UserError {
  readonly code = 'forbidden';
}

/** The change would leave the organisation without an active admin, and nobody could grant roles again. */
export class LastAdmin extends UserError {
  readonly code = 'last_admin';
  constructor() {
    super('this would leave no active admin; make someone else an admin first');
  }
}
