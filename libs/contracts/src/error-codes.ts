/**
 * Every stable error code of the public API and how each edge shows it: the HTTP status of the
 * `application/problem+json` answer and the gRPC status code (numeric, as `@grpc/grpc-js`'s `status`
 * enum) whose `google.rpc.ErrorInfo.reason` is the code in upper case. One table for every service and
 * the gateway; a new code is added here first.
 */
export const ERROR_CODES = {
  validation_failed: { http: 400, grpc: 3 }, // INVALID_ARGUMENT
  unauthenticated: { http: 401, grpc: 16 }, // UNAUTHENTICATED
  forbidden: { http: 403, grpc: 7 }, // PERMISSION_DENIED
  not_found: { http: 404, grpc: 5 }, // NOT_FOUND
  room_unknown: { http: 404, grpc: 5 }, // NOT_FOUND
  already_exists: { http: 409, grpc: 6 }, // ALREADY_EXISTS
  slot_taken: { http: 409, grpc: 9 }, // FAILED_PRECONDITION
  hold_expired: { http: 409, grpc: 9 }, // FAILED_PRECONDITION
  invalid_booking_state: { http: 409, grpc: 9 }, // FAILED_PRECONDITION
  invalid_room_state: { http: 409, grpc: 9 }, // FAILED_PRECONDITION: e.g. changing a retired room
  invalid_meeting_state: { http: 409, grpc: 9 }, // FAILED_PRECONDITION: e.g. changing a cancelled meeting
  attendees_busy: { http: 409, grpc: 9 }, // FAILED_PRECONDITION: `strict` scheduling and an attendee is busy
  last_admin: { http: 409, grpc: 9 }, // FAILED_PRECONDITION: the change would leave no active admin
  idempotency_in_progress: { http: 409, grpc: 10 }, // ABORTED
  version_mismatch: { http: 412, grpc: 10 }, // ABORTED
  idempotency_key_reused: { http: 422, grpc: 3 }, // INVALID_ARGUMENT
  policy_violation: { http: 422, grpc: 9 }, // FAILED_PRECONDITION
  method_not_allowed: { http: 405, grpc: 12 }, // UNIMPLEMENTED: the path exists, the method does not
  payload_too_large: { http: 413, grpc: 8 }, // RESOURCE_EXHAUSTED: the request body is over the edge's limit
  unsupported_media_type: { http: 415, grpc: 3 }, // INVALID_ARGUMENT: a body that is not JSON
  rate_limited: { http: 429, grpc: 8 }, // RESOURCE_EXHAUSTED
  contended: { http: 503, grpc: 14 }, // UNAVAILABLE: a room stayed contended for every retry; safe to retry
  unavailable: { http: 503, grpc: 14 }, // UNAVAILABLE
  deadline_exceeded: { http: 504, grpc: 4 }, // DEADLINE_EXCEEDED: the service behind the edge did not answer in time
  internal: { http: 500, grpc: 13 }, // INTERNAL
} as const satisfies Record<string, { http: number; grpc: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The `google.rpc.ErrorInfo.domain` of every roomledger error. */
export const ERROR_DOMAIN = 'roomledger.dev';
