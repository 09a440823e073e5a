import { dirname, join } from 'node:path';
import {
  Client,
  Metadata,
  Server,
  ServerCredentials,
  credentials,
  status,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type { INestApplication } from '@nestjs/common';
import { GRPC_STATUS_DETAILS } from '@roomledger/contracts';
import {
  CallerMetadata,
  METRICS,
  READINESS_CHECKS,
  SERVICE_NAME,
  grpcError,
  protoPath,
  runReadinessChecks,
  type Caller,
  type GrpcErrorBody,
  type OwnGrpcServer,
  type ReadinessCheck,
} from '@roomledger/service-runtime';
import type { ServiceMetrics } from '@roomledger/observability';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../edge/authentication';
import { DOWNSTREAM, type DownstreamName } from '../edge/downstream';
import { invalidIdempotencyKey } from '../edge/idempotency';
import { ProblemError } from '../edge/problem';

export interface AdmittedCall {
  /** Absent for the methods that need no caller (register, login, refresh, logout, JWKS). */
  caller?: Caller;
  /** The client's IP address (grpc-js's peer without the port). */
  peer: string;
  /** The service behind the gateway: `booking`, `room` or `user`. */
  service: DownstreamName;
  /** The method's name as in the proto: `BookDirectly`. */
  method: string;
  /** Everything but Get*, List*, Search*, Find*. */
  write: boolean;
}

export interface PublicGrpcOptions {
  /** host:port of each service. */
  downstream: Record<DownstreamName, string>;
  verifier: Pick<TokenVerifier, 'verify'>;
  /** Called before every forwarded call; throws ProblemError (e.g. rate_limited) to refuse. */
  admit?: (call: AdmittedCall) => Promise<void>;
  /** The command id for (caller id, idempotency-key metadata value). */
  commandIdFor: (scope: string, key: string) => string;
  /** The longest a forwarded call may take; a shorter deadline of the client's own wins. */
  defaultTimeoutMs: number;
  logger: Logger;
}

const ANONYMOUS = new Set([
  ...['Register', 'Login', 'Refresh', 'Logout', 'GetJwks'].map(
    (method) => `/${DOWNSTREAM.user.service}/${method}`,
  ),
  // A calendar feed's secret token is its credential: calendar clients have no bearer token.
  `/${DOWNSTREAM.meeting.service}/GetCalendarFeed`,
]);
const READ = /^(Get|List|Search|Find)/;
/** What goes on to a service besides what the gateway sets itself: trace context only. */
const FORWARDED = ['traceparent', 'tracestate'];
const SHUTDOWN_GRACE_MS = 5_000;
const identity = (bytes: Buffer) => bytes;

/**
 * The gateway's public gRPC edge: the booking, room and user services' own contracts, served by
 * forwarding each call's bytes unchanged after authenticating the caller. What a service learns of the
 * caller comes only from the verified token; its replies and errors go back as they are.
 */
export function publicGrpcServer(options: PublicGrpcOptions): OwnGrpcServer {
  const { logger } = options;
  const definition = loadSync(
    [
      'grpc/health/v1/health.proto',
      ...Object.values(DOWNSTREAM).map((downstream) => downstream.proto),
      'grpc/reflection/v1/reflection.proto',
      'grpc/reflection/v1alpha/reflection.proto',
    ],
    {
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      // Relative names keep the reflected file names free of this machine's paths.
      includeDirs: [protoPath('.'), join(dirname(require.resolve('@grpc/reflection')), '../proto')],
    },
  );

  /** Anything thrown before the call reached a service: a refusal in the public form, or INTERNAL. */
  const refusal = (error: unknown): GrpcErrorBody => {
    if (error instanceof ProblemError) {
      const info = Object.entries(error.extensions).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]);
      return grpcError(error.code, error.detail, Object.fromEntries(info));
    }
    logger.error({ err: error }, 'public gRPC call failed');
    return grpcError('internal', 'internal error');
  };

  /** A service's own answer (it carries an ErrorInfo) as it is; a transport failure without internals. */
  const downstreamError = (service: DownstreamName, error: ServiceError): GrpcErrorBody => {
    if (error.metadata?.get(GRPC_STATUS_DETAILS).length) {
      return { code: error.code, details: error.details, metadata: error.metadata };
    }
    if (error.code === status.UNAVAILABLE) {
      return grpcError('unavailable', `the ${service} service is unavailable; retry`);
    }
    if (error.code === status.DEADLINE_EXCEEDED) {
      return grpcError('deadline_exceeded', `the ${service} service did not answer in time`);
    }
    return refusal(error);
  };

  /** Who is asking, as the verified caller says, the decision's id, and the trace: nothing else. */
  const outgoingMetadata = (incoming: Metadata, caller: Caller | undefined): Metadata => {
    const metadata = new Metadata();
    for (const key of FORWARDED) {
      const value = incoming.get(key)[0];
      if (typeof value === 'string') metadata.set(key, value);
    }
    if (caller) {
      metadata.set(CallerMetadata.userId, caller.userId);
      metadata.set(CallerMetadata.roles, caller.roles.join(','));
    }
    const [key] = incoming.get('idempotency-key');
    if (key !== undefined) {
      const invalid = typeof key === 'string' ? invalidIdempotencyKey(key) : 'must be text';
      if (invalid || typeof key !== 'string') {
        throw new ProblemError('validation_failed', `idempotency-key ${invalid}`, {
          field: 'idempotency-key',
        });
      }
      metadata.set(CallerMetadata.commandId, options.commandIdFor(caller?.userId ?? 'anonymous', key));
    }
    return metadata;
  };

  return {
    async start(app: INestApplication, host: string, port: number) {
      const serviceName = app.get<string>(SERVICE_NAME);
      const metrics = app.get<ServiceMetrics>(METRICS);
      const checks = app.get<ReadinessCheck[]>(READINESS_CHECKS);
      const clients = Object.fromEntries(
        Object.entries(options.downstream).map(([name, address]) => [
          name,
          new Client(address, credentials.createInsecure()),
        ]),
      ) as Record<DownstreamName, Client>;

      const forward =
        (service: DownstreamName, method: string, path: string) =>
        (call: ServerUnaryCall<Buffer, Buffer>, answer: sendUnaryData<Buffer>) => {
          const stop = metrics.grpcDuration.startTimer({
            grpc_service: DOWNSTREAM[service].service,
            grpc_method: method,
          });
          const callback: sendUnaryData<Buffer> = (error, reply) => {
            stop({ grpc_code: String(error?.code ?? status.OK) });
            answer(error, reply);
          };
          // Fixed on arrival: verifying and admitting count against the caller's time too.
          const incoming = call.getDeadline();
          const deadline = Math.min(
            incoming instanceof Date ? incoming.getTime() : incoming,
            Date.now() + options.defaultTimeoutMs,
          );
          void (async () => {
            const caller = ANONYMOUS.has(path)
              ? undefined
              : await options.verifier.verify(textOf(call.metadata, 'authorization'));
            const metadata = outgoingMetadata(call.metadata, caller);
            await options.admit?.({
              caller,
              peer: ipOf(call.getPeer()),
              service,
              method,
              write: !READ.test(method),
            });
            if (call.cancelled) return;
            if (deadline <= Date.now()) {
              throw new ProblemError(
                'deadline_exceeded',
                'the deadline passed before the call was forwarded',
              );
            }
            const forwarded = clients[service].makeUnaryRequest(
              path,
              identity,
              identity,
              call.request,
              metadata,
              { deadline },
              (error, reply) => {
                if (call.cancelled) return; // the client has gone; nobody to answer
                if (error) callback(downstreamError(service, error));
                else callback(null, reply);
              },
            );
            call.once('cancelled', () => forwarded.cancel());
          })().catch((error: unknown) => callback(refusal(error)));
        };

      /** A server stream (the live inbox): the same checks, then the service's messages as they come. */
      const forwardStream =
        (service: DownstreamName, method: string, path: string) =>
        (call: ServerWritableStream<Buffer, Buffer>) => {
          void (async () => {
            const caller = await options.verifier.verify(textOf(call.metadata, 'authorization'));
            const metadata = outgoingMetadata(call.metadata, caller);
            await options.admit?.({ caller, peer: ipOf(call.getPeer()), service, method, write: false });
            if (call.cancelled) return;
            const upstream = clients[service].makeServerStreamRequest(
              path,
              identity,
              identity,
              call.request,
              metadata,
              { deadline: call.getDeadline() },
            );
            call.once('cancelled', () => upstream.cancel());
            upstream.on('data', (message: Buffer) => call.write(message));
            upstream.on('end', () => call.end());
            upstream.on('error', (error: ServiceError) => {
              if (!call.cancelled) call.emit('error', downstreamError(service, error));
            });
          })().catch((error: unknown) => call.emit('error', refusal(error)));
        };

      const server = new Server({ 'grpc.max_receive_message_length': 1024 * 1024 });
      for (const service of Object.keys(DOWNSTREAM) as DownstreamName[]) {
        const methods = definition[DOWNSTREAM[service].service] as ServiceDefinition;
        const raw: Record<string, unknown> = {};
        const handlers: Record<string, ReturnType<typeof forward> | ReturnType<typeof forwardStream>> = {};
        for (const [method, attributes] of Object.entries(methods)) {
          if (attributes.requestStream) {
            throw new Error(
              `${attributes.path} streams requests; the public edge forwards unary and server streams`,
            );
          }
          // Bytes in, bytes out: the services decode; the edge never re-encodes a message.
          raw[method] = {
            ...attributes,
            requestSerialize: identity,
            requestDeserialize: identity,
            responseSerialize: identity,
            responseDeserialize: identity,
          };
          handlers[method] = attributes.responseStream
            ? forwardStream(service, method, attributes.path)
            : forward(service, method, attributes.path);
        }
        server.addService(raw as ServiceDefinition, handlers);
      }
      const known = new Set(['', ...Object.values(DOWNSTREAM).map((downstream) => downstream.service)]);
      server.addService(definition['grpc.health.v1.Health'] as ServiceDefinition, {
        // The gateway's readiness, as /health/ready reports it. Watch is not in the contract: UNIMPLEMENTED.
        Check: (call: ServerUnaryCall<{ service: string }, unknown>, callback: sendUnaryData<unknown>) => {
          if (!known.has(call.request.service)) {
            callback({ code: status.NOT_FOUND, details: `unknown service ${call.request.service}` });
            return;
          }
          runReadinessChecks(serviceName, checks).then(
            (report) => callback(null, { status: report.status === 'not_ready' ? 'NOT_SERVING' : 'SERVING' }),
            (error: unknown) => callback(refusal(error)),
          );
        },
      });
      new ReflectionService(definition).addToServer(server);

      const authority = host.includes(':') ? `[${host}]` : host;
      const bound = await new Promise<number>((resolve, reject) =>
        server.bindAsync(`${authority}:${port}`, ServerCredentials.createInsecure(), (error, boundPort) =>
          error ? reject(error) : resolve(boundPort),
        ),
      ).catch((error: unknown) => {
        Object.values(clients).forEach((client) => client.close());
        throw error;
      });
      return {
        address: `${authority}:${bound}`,
        close: async () => {
          await new Promise<void>((resolve) => {
            const force = setTimeout(() => {
              server.forceShutdown();
              resolve();
            }, SHUTDOWN_GRACE_MS);
            server.tryShutdown(() => {
              clearTimeout(force);
              resolve();
            });
          });
          Object.values(clients).forEach((client) => client.close());
        },
      };
    },
  };
}

function textOf(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** `ipv4:10.0.0.1:5000`, `10.0.0.1:5000`, `[::1]:5000` → the address alone. */
function ipOf(peer: string): string {
  const address = peer.replace(/^ipv[46]:/, '');
  return /^\[(.+)\]:\d+$/.exec(address)?.[1] ?? /^([^:]+):\d+$/.exec(address)?.[1] ?? address;
}
