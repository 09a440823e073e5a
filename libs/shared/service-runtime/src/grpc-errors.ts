import { Metadata } from '@grpc/grpc-js';
import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { ERROR_CODES, ERROR_DOMAIN, isErrorCode, type ErrorCode } from '@roomledger/contracts';
import protobuf from 'protobufjs';
import { throwError, type Observable } from 'rxjs';
import type { Logger } from 'pino';

/** google.rpc.Status, google.rpc.ErrorInfo and google.protobuf.Any, declared in code (three messages). */
const root = protobuf.Root.fromJSON(<protobuf.INamespace>{
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
            ErrorInfo: {
              fields: {
                reason: { type: 'string', id: 1 },
                domain: { type: 'string', id: 2 },
                metadata: { keyType: 'string', type: 'string', id: 3 },
              },
            },
          },
        },
      },
    },
  },
});
const StatusType = root.lookupType('google.rpc.Status');
const ErrorInfoType = root.lookupType('google.rpc.ErrorInfo');
const ERROR_INFO_URL = 'type.googleapis.com/google.rpc.ErrorInfo';
const DETAILS_KEY = 'grpc-status-details-bin';

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
  metadata.set(DETAILS_KEY, Buffer.from(statusBytes));
  return { code: grpcCode, details: message, metadata };
}

export interface DecodedErrorInfo {
  /** The lower-case error code (`slot_taken`). */
  readonly code: string;
  readonly domain: string;
  readonly metadata: Record<string, string>;
}

/** Reads the ErrorInfo back from a failed call's trailers (the gateway and tests use it). */
export function decodeErrorInfo(metadata: Metadata | undefined): DecodedErrorInfo | undefined {
  const raw = metadata?.get(DETAILS_KEY)[0];
  if (!raw || typeof raw === 'string') return undefined;
  const status = StatusType.toObject(StatusType.decode(raw), { defaults: true }) as {
    details: { type_url: string; value: Uint8Array }[];
  };
  const detail = status.details.find((any) => any.type_url === ERROR_INFO_URL);
  if (!detail) return undefined;
  const info = ErrorInfoType.toObject(ErrorInfoType.decode(detail.value), { defaults: true }) as {
    reason: string;
    domain: string;
    metadata: Record<string, string>;
  };
  return { code: info.reason.toLowerCase(), domain: info.domain, metadata: info.metadata };
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
