import { ServerInterceptingCall, status as GrpcStatus, type ServerInterceptor } from '@grpc/grpc-js';
import type { ServiceMetrics } from '@roomledger/observability';
import type { Logger } from 'pino';

/**
 * `grpc_server_handling_seconds` for every gRPC method a service serves, and a debug line per call,
 * as a grpc-js server interceptor (the gRPC server's own hook, given to it through Nest's
 * `channelOptions`). It records the status the client gets, after Nest's exception filters have turned
 * a typed error into one, when that status is sent; the line is written from the call's own context, so
 * it carries the trace and span ids of the call's span.
 *
 * It replaced a Nest interceptor: with one registered, Nest wraps every call in an async-context bind
 * and a few Observables more, which with the interceptor's own `tap` cost the booking service's event
 * loop several per cent of what a decision costs it (issue #4).
 */
export function grpcCallMetrics(metrics: ServiceMetrics, logger: Logger): ServerInterceptor {
  const labelsByPath = new Map<string, { grpc_service: string; grpc_method: string }>();
  const labelsOf = (path: string) => {
    let labels = labelsByPath.get(path);
    if (labels === undefined) {
      labels = methodLabels(path);
      labelsByPath.set(path, labels);
    }
    return labels;
  };
  return (method, call) => {
    const started = performance.now();
    let recorded = false;
    const record = (code: number) => {
      if (recorded) return;
      recorded = true;
      const labels = labelsOf(method.path);
      const seconds = (performance.now() - started) / 1000;
      const grpc_code = String(code);
      metrics.grpcDuration.observe({ ...labels, grpc_code }, seconds);
      if (logger.isLevelEnabled('debug')) {
        logger.debug({ ...labels, grpc_code, durationMs: Math.round(seconds * 1000) }, 'gRPC call handled');
      }
    };
    return new ServerInterceptingCall(call, {
      // A call whose deadline passed, or that its client cancelled, sends no status through here. (grpc-js
      // also calls onCancel once a call it answered has ended: `recorded` keeps the status it sent.)
      start: (next) => next({ onCancel: () => record(cancelledCode(call.getDeadline())) }),
      sendStatus: (status, next) => {
        record(status.code);
        next(status);
      },
    });
  };
}

/**
 * Why a call ended without an answer: its deadline passed, or its client cancelled it. A client also
 * gives up at its deadline, so a cancel that arrives first (a millisecond or so before the server's own
 * deadline timer) counts as a cancel, as other gRPC servers count it.
 */
function cancelledCode(deadline: Date | number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) && Date.now() >= at ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.CANCELLED;
}

/**
 * `/roomledger.booking.v1.BookingService/BookDirectly` → `BookingService`, `BookDirectly`: the names
 * the service's handlers declare (`@GrpcMethod('BookingService', 'BookDirectly')`), which dashboards use.
 */
export function methodLabels(path: string): { grpc_service: string; grpc_method: string } {
  const [, qualified = '', rpc = ''] = path.split('/');
  return { grpc_service: qualified.slice(qualified.lastIndexOf('.') + 1), grpc_method: rpc };
}
