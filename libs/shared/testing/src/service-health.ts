import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import type { StartedService } from './services';

const healthProto = join(__dirname, '../../../contracts/proto/grpc/health/v1/health.proto');

/** Asserts what every roomledger service promises its operators, from outside, over HTTP and gRPC. */
export async function expectOperable(service: StartedService, dependencies: string[]): Promise<void> {
  const live = await fetch(`${service.httpUrl}/health/live`);
  expect(live.status).toBe(200);

  const ready = await fetch(`${service.httpUrl}/health/ready`);
  const report = (await ready.json()) as {
    status: string;
    checks: Record<string, { status: string; error?: string }>;
  };
  const statuses = Object.fromEntries(
    Object.entries(report.checks).map(([name, check]) => [
      name,
      check.error ? `${check.status}: ${check.error}` : check.status,
    ]),
  );
  expect(statuses).toEqual(Object.fromEntries(dependencies.map((dependency) => [dependency, 'up'])));
  expect({ status: ready.status, body: report.status }).toEqual({ status: 200, body: 'ready' });

  const metrics = await fetch(`${service.httpUrl}/metrics`);
  expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
  const exposition = await metrics.text();
  expect(exposition).toContain('http_server_request_duration_seconds_bucket');
  expect(exposition).toContain('process_resident_memory_bytes');

  expect(await grpcHealth(service.grpcAddress)).toBe('SERVING');
}

export function grpcHealth(address: string): Promise<string> {
  const definition = loadSync(healthProto, { enums: String });
  const grpcPackage = loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  const client = new grpcPackage.grpc.health.v1.Health(address, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    (
      client as unknown as {
        check: (
          request: object,
          callback: (error: Error | null, response?: { status: string }) => void,
        ) => void;
      }
    ).check({}, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response!.status);
    });
  });
}
