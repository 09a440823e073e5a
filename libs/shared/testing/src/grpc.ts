import { join } from 'node:path';
import {
  Metadata,
  credentials,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const protoRoot = join(__dirname, '../../../contracts/proto');

/** A unary gRPC client for one of our services, with the loader options the services use. */
export interface GrpcTestClient {
  call<R = Record<string, unknown>>(
    method: string,
    request: object,
    metadata?: Record<string, string>,
  ): Promise<R>;
  close(): void;
}

/**
 * `grpcClient('127.0.0.1:50102', 'roomledger/booking/v1/booking.proto', 'roomledger.booking.v1.BookingService')`.
 * A failed call rejects with grpc-js's `ServiceError` (`code`, `details`, `metadata`).
 */
export function grpcClient(address: string, protoFile: string, service: string): GrpcTestClient {
  const definition = loadSync(join(protoRoot, protoFile), {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = loadPackageDefinition(definition) as unknown as Record<string, unknown>;
  const Client = service
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], loaded);
  const client = new (Client as ServiceClientConstructor)(address, credentials.createInsecure());
  return {
    call<R>(method: string, request: object, metadata: Record<string, string> = {}): Promise<R> {
      const meta = new Metadata();
      for (const [key, value] of Object.entries(metadata)) meta.set(key, value);
      type Unary = (
        request: object,
        metadata: Metadata,
        callback: (error: ServiceError | null, response: R) => void,
      ) => void;
      const fn = (client as unknown as Record<string, Unary | undefined>)[method];
      if (typeof fn !== 'function') return Promise.reject(new Error(`${service} has no method ${method}`));
      return new Promise<R>((resolve, reject) => {
        fn.call(client, request, meta, (error: ServiceError | null, response: R) =>
          error ? reject(error) : resolve(response),
        );
      });
    },
    close: () => client.close(),
  };
}
