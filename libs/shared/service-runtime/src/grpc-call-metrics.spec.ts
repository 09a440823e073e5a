import {
  Client,
  Metadata,
  Server,
  ServerCredentials,
  credentials,
  status,
  type ServiceError,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { createMetrics } from '@roomledger/observability';
import pino from 'pino';
import { Writable } from 'node:stream';
import { grpcCallMetrics, methodLabels } from './grpc-call-metrics';

// A grpc-js server on 127.0.0.1 with the interceptor, and one method whose answer the request names.
const PATH = '/roomledger.test.v1.EchoService/Say';
const bytes = (value: Buffer) => value;
const echo = {
  Say: {
    path: PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  },
};

function say(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
  const asked = call.request.toString();
  if (asked === 'ok') callback(null, Buffer.from('ok'));
  else if (asked === 'slow') setTimeout(() => callback(null, Buffer.from('late')), 300);
  else callback({ code: status.NOT_FOUND, details: 'no such thing' });
}

describe('gRPC call metrics (a grpc-js server interceptor)', () => {
  const metrics = createMetrics('test');
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  const server = new Server({ interceptors: [grpcCallMetrics(metrics, logger)] });
  let client: Client;

  beforeAll(async () => {
    server.addService(echo, { Say: say });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  const call = (request: string, deadlineMs = 5_000) =>
    new Promise<{ code: number }>((resolve) =>
      client.makeUnaryRequest(
        PATH,
        bytes,
        bytes,
        Buffer.from(request),
        new Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error: ServiceError | null) => resolve({ code: error?.code ?? status.OK }),
      ),
    );

  const counted = async (code: number) => {
    const { values } = await metrics.grpcDuration.get();
    const count = values.find(
      (value) =>
        value.metricName === 'grpc_server_handling_seconds_count' &&
        value.labels.grpc_service === 'EchoService' &&
        value.labels.grpc_method === 'Say' &&
        value.labels.grpc_code === String(code),
    );
    return count?.value ?? 0;
  };

  it('records each call once under the status the client got, with a debug line per call', async () => {
    expect(await call('ok')).toEqual({ code: status.OK });
    expect(await call('ok')).toEqual({ code: status.OK });
    expect(await call('missing')).toEqual({ code: status.NOT_FOUND });

    expect(await counted(status.OK)).toBe(2);
    expect(await counted(status.NOT_FOUND)).toBe(1);
    expect(lines.filter((line) => line.msg === 'gRPC call handled')).toEqual([
      expect.objectContaining({ grpc_service: 'EchoService', grpc_method: 'Say', grpc_code: '0' }),
      expect.objectContaining({ grpc_service: 'EchoService', grpc_method: 'Say', grpc_code: '0' }),
      expect.objectContaining({ grpc_service: 'EchoService', grpc_method: 'Say', grpc_code: '5' }),
    ]);
  });

  it('records a call that ended at its deadline once, as ended early, not by the answer that came later', async () => {
    expect(await call('slow', 50)).toEqual({ code: status.DEADLINE_EXCEEDED });
    // The handler answers later; that answer reaches no client and is not counted again.
    await new Promise((resolve) => setTimeout(resolve, 400));

    // The server's deadline timer and the client's cancel at the same deadline race: either code.
    expect((await counted(status.DEADLINE_EXCEEDED)) + (await counted(status.CANCELLED))).toBe(1);
    expect(await counted(status.OK)).toBe(2);
  });

  it('labels a method by its service name without the package, as the handlers declare it', () => {
    expect(methodLabels('/roomledger.booking.v1.BookingService/BookDirectly')).toEqual({
      grpc_service: 'BookingService',
      grpc_method: 'BookDirectly',
    });
    expect(methodLabels('/grpc.health.v1.Health/Check')).toEqual({
      grpc_service: 'Health',
      grpc_method: 'Check',
    });
  });
});
