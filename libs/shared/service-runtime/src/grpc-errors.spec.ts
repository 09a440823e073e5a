import { status } from '@grpc/grpc-js';
import type { ArgumentsHost } from '@nestjs/common';
import { decodeErrorInfo } from '@roomledger/contracts';
import { InvalidEventStoreRequest, prepareAppend } from '@roomledger/event-store';
import pino from 'pino';
import { firstValueFrom } from 'rxjs';
import { GrpcErrorFilter, type GrpcErrorBody } from './grpc-errors';

describe('The gRPC error filter', () => {
  // Every service's filter: its own mapper first (none of them knows event-store errors), then known codes.
  const filter = new GrpcErrorFilter(pino({ enabled: false }), () => undefined);
  const answer = (error: unknown): Promise<GrpcErrorBody> =>
    firstValueFrom(filter.catch(error, {} as ArgumentsHost)).catch((body: GrpcErrorBody) => body);

  it('answers event data the store cannot keep (a NUL) as INVALID_ARGUMENT, validation_failed', async () => {
    const refusal = (() => {
      try {
        prepareAppend('roomSchedule-1', [{ type: 'HoldPlaced', data: { purpose: 'a\u0000b' } }], 'any');
      } catch (error) {
        return error;
      }
    })();

    const body = await answer(refusal);

    expect(body.code).toBe(status.INVALID_ARGUMENT);
    expect(body.details).toMatch(/NUL character/);
    expect(decodeErrorInfo(body.metadata)?.code).toBe('validation_failed');
  });

  it('keeps other invalid event-store requests internal: they are bugs, not bad input', async () => {
    const body = await answer(
      new InvalidEventStoreRequest('an append to roomSchedule-1 needs at least one event'),
    );

    expect(body.code).toBe(status.INTERNAL);
    expect(body.details).toBe('internal error');
  });
});
