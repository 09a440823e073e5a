import { ERROR_CODES, type ErrorCode } from '@roomledger/contracts';

/**
 * A refusal at the edge, in the public API's terms: a stable `code` (ERROR_CODES gives its HTTP and gRPC
 * status), a human `detail`, and extension members the caller needs (`conflicts`, `alternatives`,
 * `rule`, `errors`, ...). HTTP renders it as `application/problem+json` (RFC 9457), gRPC as a status
 * with a google.rpc.ErrorInfo.
 */
export class ProblemError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    /** Response headers that belong to the refusal (`Retry-After`, `RateLimit-*`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  get status(): number {
    return ERROR_CODES[this.code].http;
  }
}

/** The title of each code's problem type: what happened, in words, the same for every occurrence. */
const TITLES: Partial<Record<ErrorCode, string>> = {
  validation_failed: 'The request is not valid',
  unauthenticated: 'Authentication is required',
  forbidden: 'Not allowed for this caller',
  not_found: 'No such resource',
  room_unknown: 'No such room',
  already_exists: 'It exists already',
  slot_taken: 'The slot is taken',
  hold_expired: 'The hold has expired',
  invalid_booking_state: 'The booking cannot change that way',
  invalid_room_state: 'The room cannot change that way',
  last_admin: 'The last admin cannot be removed',
  idempotency_in_progress: 'A request with this Idempotency-Key is still running',
  version_mismatch: 'The resource has changed (If-Match)',
  idempotency_key_reused: 'This Idempotency-Key was used with another request',
  policy_violation: "The room's booking policy refuses it",
  method_not_allowed: 'The method is not allowed on this path',
  payload_too_large: 'The request body is too large',
  unsupported_media_type: 'The request body must be JSON',
  rate_limited: 'Too many requests',
  contended: 'The room is busy; retry',
  unavailable: 'A service is unavailable; retry',
  deadline_exceeded: 'A service did not answer in time',
  internal: 'Internal error',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  traceId?: string;
  [extension: string]: unknown;
}

/** The problem document for an error code (the `type` URI names the code and is documented in the README). */
export function problemBody(
  problem: ProblemError,
  where: { instance?: string; traceId?: string } = {},
): ProblemBody {
  return {
    type: `https://roomledger.dev/problems/${problem.code.replaceAll('_', '-')}`,
    title: TITLES[problem.code] ?? problem.code,
    status: problem.status,
    code: problem.code,
    detail: problem.detail,
    ...(where.instance ? { instance: where.instance } : {}),
    ...(where.traceId ? { traceId: where.traceId } : {}),
    // Extension members never replace the standard ones.
    ...Object.fromEntries(Object.entries(problem.extensions).filter(([name]) => !STANDARD_MEMBERS.has(name))),
  };
}

const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'code', 'detail', 'instance', 'traceId']);

/** `405` with the methods the path has, for `Allow`. */
export function methodNotAllowed(
  request: { method: string; path: string },
  allowed: readonly string[],
): ProblemError {
  return new ProblemError(
    'method_not_allowed',
    `${request.method} is not allowed on ${request.path}`,
    {},
    { Allow: allowed.join(', ') },
  );
}
