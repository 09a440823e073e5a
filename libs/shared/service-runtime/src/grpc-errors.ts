import { Metadata } from '@grpc/grpc-js';
import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import {
  ERROR_CODES,
  ERROR_DOMAIN,
  ERROR_INFO_URL,
  ErrorInfoType,
  GRPC_STATUS_DETAILS,
  StatusType,
  isErrorCode,
  type ErrorCode,
} from '@roomledger/contracts';
import { throwError, type Observable } from 'rxjs';
import type { Logger } from 'pino';

/** What grpc-js sends for a failed call: status code, message, and the rich status in trailers. */
export interface GrpcErrorBody {
  readonly code: number;
  readonly details: string;
  readonly metadata: Metadata;
}

/**
 * A gRPC error in the architecture's form: the status code for `code`, and a `google.rpc.Status` in
 * `grpc-status-details-bin` with one `google.rpc.ErrorInfo` whose reason is the upper-case code and whose
 * metadata carries what the caller needs (`conflicts`, `rule`, ... as strings; JSON for structures).
 */
export function grpcError(
  code: ErrorCode,
  message: string,
  info: Record<string, string> = {},
): GrpcErrorBody {
  const grpcCode = ERROR_CODES[code].grpc;
  const errorInfo = ErrorInfoType.encode(
    ErrorInfoType.create({ reason: code.toUpperCase(), domain: ERROR_DOMAIN, metadata: info }),
  ).finish();
  const statusBytes = StatusType.encode(
    StatusType.create({ code: grpcCode, message, details: [{ type_url: ERROR_INFO_URL, value: errorInfo }] }),
  ).finish();
  const metadata = new Metadata();
  metadata.set(GRPC_STATUS_DETAILS, Buffer.from(statusBytes));
  return { code: grpcCode, details: message, metadata };
}

/** Turns a thrown error into the caller-facing code and details, or `undefined` for "internal". */
export type ErrorMapper = (
  error: unknown,
) => { code: ErrorCode; message: string; info?: Record<string, string> } | undefined;

/**
 * Every exception leaving a gRPC handler becomes a {@link grpcError}: typed errors through `map` (or
 * any error with a known `code` property), everything else `INTERNAL` with a generic message, logged
 * with its stack so nothing internal leaks to the caller.
 */
@Catch()
export class GrpcErrorFilter implements RpcExceptionFilter<unknown> {
  constructor(
    private readonly logger: Logger,
    private readonly map: ErrorMapper = () => undefined,
  ) {}

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    const mapped = this.map(exception) ?? knownCode(exception);
    if (mapped) return throwError(() => grpcError(mapped.code, mapped.message, mapped.info));
    this.logger.error({ err: exception }, 'gRPC call failed');
    return throwError(() => grpcError('internal', 'internal error'));
  }
}

function knownCode(
  error: unknown,
): { code: ErrorCode; message: string; info?: Record<string, string> } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return isErrorCode(code) && code !== 'internal'
    ? { code, message: typeof message === 'string' ? message : code }
    : undefined;
}
