import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { withoutInstrumentation } from './trace-context';

describe('withoutInstrumentation', () => {
  const tracer = new BasicTracerProvider().getTracer('test');

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  it('makes the SDK start no span inside, even across awaits, and leaves the outside traced', async () => {
    const inside = await withoutInstrumentation(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return tracer.startSpan('inside');
    });
    const outside = tracer.startSpan('outside');

    expect(inside.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(inside.spanContext())).toBe(false);
    expect(outside.isRecording()).toBe(true);
    outside.end();
  });
});
