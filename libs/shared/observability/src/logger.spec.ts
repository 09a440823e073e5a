import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'booking', level: 'info', destination }) };
}

describe('Service logs', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  it('are JSON lines with the service, level and time', () => {
    const { lines, logger } = capture();
    logger.info({ roomId: 'r1' }, 'hold placed');
    expect(lines[0]).toMatchObject({ service: 'booking', level: 'info', msg: 'hold placed', roomId: 'r1' });
    expect(String(lines[0].time)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('carry the active trace and span ids', () => {
    const { lines, logger } = capture();
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    };
    context.with(trace.setSpanContext(context.active(), spanContext), () => logger.info('inside a request'));
    logger.info('outside any request');
    expect(lines[0]).toMatchObject({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });

  it('never write passwords, tokens or e-mail addresses', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        body: { email: 'ada@example.com', password: 'hunter2' },
        refreshToken: 'r',
        authorization: 'Bearer x',
      },
      'login',
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of ['ada@example.com', 'hunter2', '"r"', 'Bearer x'])
      expect(line).not.toContain(secret);
  });
});
