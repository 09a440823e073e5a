import {
  Metadata,
  credentials,
  loadPackageDefinition,
  status,
  type Client,
  type ClientReadableStream,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { decodeErrorInfo, isErrorCode } from '@roomledger/contracts';
import { CallerMetadata, protoPath, type Caller } from '@roomledger/service-runtime';
import { ProblemError } from './problem';

/** The services behind the gateway, by the name their proto package uses. */
export const DOWNSTREAM = {
  booking: { proto: 'roomledger/booking/v1/booking.proto', service: 'roomledger.booking.v1.BookingService' },
  room: { proto: 'roomledger/room/v1/room.proto', service: 'roomledger.room.v1.RoomService' },
  user: { proto: 'roomledger/user/v1/user.proto', service: 'roomledger.user.v1.UserService' },
  // Meetings and scheduling live in the booking service (same address as `booking`).
  meeting: { proto: 'roomledger/meeting/v1/meeting.proto', service: 'roomledger.meeting.v1.MeetingService' },
  scheduling: {
    proto: 'roomledger/scheduling/v1/scheduling.proto',
    service: 'roomledger.scheduling.v1.SchedulingService',
  },
  notification: {
    proto: 'roomledger/notification/v1/notification.proto',
    service: 'roomledger.notification.v1.NotificationService',
  },
} as const;
export type DownstreamName = keyof typeof DOWNSTREAM;

/** Who is asking and which decision this is, for one call to a service. */
export interface CallContext {
  caller?: Caller;
  /** From the request's Idempotency-Key: the same key is the same decision all the way into the event store. */
  commandId?: string;
  /** Milliseconds the call may take; the service's reply after that is `deadline_exceeded`. */
  timeoutMs?: number;
}

/** The call context of a validated edge request. */
export const context = (request: { caller?: Caller; commandId?: string }): CallContext => ({
  caller: request.caller,
  commandId: request.commandId,
});

type Unary = (
  request: object,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, reply: unknown) => void,
) => void;

/**
 * gRPC clients for the services behind the gateway (loaded from the contracts' protos, camelCase fields,
 * int64 as strings). A failed call becomes a {@link ProblemError} with the service's own code and the
 * ErrorInfo metadata as extension members (`conflicts`, `alternatives`, `rule`, `field`, ...).
 */
export class Downstream {
  private readonly clients = new Map<DownstreamName, Client>();

  constructor(
    addresses: Record<DownstreamName, string>,
    private readonly defaultTimeoutMs: number,
  ) {
    for (const name of Object.keys(DOWNSTREAM) as DownstreamName[]) {
      const definition = loadSync(protoPath(DOWNSTREAM[name].proto), {
        keepCase: false,
        longs: String,
        enums: String,
        defaults: true,
        oneofs: true,
      });
      const Constructor = DOWNSTREAM[name].service
        .split('.')
        .reduce<unknown>(
          (node, part) => (node as Record<string, unknown>)[part],
          loadPackageDefinition(definition),
        ) as ServiceClientConstructor;
      this.clients.set(name, new Constructor(addresses[name], credentials.createInsecure()));
    }
  }

  call<R>(service: DownstreamName, method: string, request: object, context: CallContext = {}): Promise<R> {
    const client = this.clients.get(service) as unknown as Record<string, Unary | undefined>;
    const unary = client[method];
    if (typeof unary !== 'function') throw new Error(`${service} has no method ${method}`);
    const metadata = callerMetadata(context);
    const deadline = new Date(Date.now() + (context.timeoutMs ?? this.defaultTimeoutMs));
    return new Promise<R>((resolve, reject) => {
      unary.call(client, request, metadata, { deadline }, (error, reply) =>
        error ? reject(problemOf(service, error)) : resolve(reply as R),
      );
    });
  }

  /** A server-streaming call (the live inbox): messages as they come, until the caller stops or it fails. */
  stream<R>(
    service: DownstreamName,
    method: string,
    request: object,
    context: CallContext,
  ): ClientReadableStream<R> {
    const client = this.clients.get(service) as unknown as Record<
      string,
      ((request: object, metadata: Metadata) => ClientReadableStream<R>) | undefined
    >;
    const call = client[method];
    if (typeof call !== 'function') throw new Error(`${service} has no method ${method}`);
    return call.call(client, request, callerMetadata(context));
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
  }
}

function callerMetadata(context: CallContext): Metadata {
  const metadata = new Metadata();
  if (context.caller) {
    metadata.set(CallerMetadata.userId, context.caller.userId);
    metadata.set(CallerMetadata.roles, context.caller.roles.join(','));
  }
  if (context.commandId) metadata.set(CallerMetadata.commandId, context.commandId);
  return metadata;
}

/** A service's gRPC error as the edge's problem: its own code and details, never its internals. */
export function problemOf(service: string, error: ServiceError): ProblemError {
  const info = decodeErrorInfo(error.metadata);
  if (info && isErrorCode(info.code) && info.code !== 'internal') {
    return new ProblemError(info.code, error.details, extensionsOf(info.metadata));
  }
  switch (error.code) {
    case status.DEADLINE_EXCEEDED:
      return new ProblemError('deadline_exceeded', `the ${service} service did not answer in time`);
    case status.UNAVAILABLE:
      return new ProblemError('unavailable', `the ${service} service is unavailable; retry`);
    default:
      return new ProblemError('internal', 'internal error');
  }
}

/** ErrorInfo metadata values are strings; the structured ones (`conflicts`, `alternatives`) are JSON. */
function extensionsOf(metadata: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(metadata).map(([key, value]) => {
      if (!/^[[{]/.test(value)) return [key, value];
      try {
        return [key, JSON.parse(value) as unknown];
      } catch {
        return [key, value];
      }
    }),
  );
}
