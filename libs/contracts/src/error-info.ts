import protobuf from 'protobufjs';

/**
 * How a failed gRPC call carries its error code, the same at every roomledger gRPC port: a
 * `google.rpc.Status` in the `grpc-status-details-bin` trailer with one `google.rpc.ErrorInfo` whose
 * `reason` is the upper-case code (ERROR_CODES) and whose metadata carries the details.
 */

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
export const StatusType = root.lookupType('google.rpc.Status');
export const ErrorInfoType = root.lookupType('google.rpc.ErrorInfo');
export const ERROR_INFO_URL = 'type.googleapis.com/google.rpc.ErrorInfo';
/** The trailer that carries the rich status. */
export const GRPC_STATUS_DETAILS = 'grpc-status-details-bin';

/** The part of grpc-js's Metadata a decoder needs (so this library does not depend on a gRPC runtime). */
export interface TrailerMetadata {
  get(key: string): (string | Buffer)[];
}

export interface DecodedErrorInfo {
  /** The lower-case error code (`slot_taken`). */
  readonly code: string;
  readonly domain: string;
  readonly metadata: Record<string, string>;
}

/** Reads the ErrorInfo back from a failed call's trailers (the gateway and tests use it). */
export function decodeErrorInfo(metadata: TrailerMetadata | undefined): DecodedErrorInfo | undefined {
  const raw = metadata?.get(GRPC_STATUS_DETAILS)[0];
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
