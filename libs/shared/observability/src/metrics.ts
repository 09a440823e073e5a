import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per service process, with Node's default metrics and the shared request histograms. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const grpcDuration = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'gRPC call duration by service, method and status code',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, httpDuration, grpcDuration };
}

export type ServiceMetrics = ReturnType<typeof createMetrics>;
