import { context, createContextKey, trace } from '@opentelemetry/api';

/** The active span's ids, for log lines written inside a request or a message handler. */
export function currentTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getSpan(context.active());
  const spanContext = span?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * The context key the OpenTelemetry SDK reads to suppress tracing (`suppressTracing` of
 * `@opentelemetry/core`). Context keys are `Symbol.for(description)`, shared by every copy of the API,
 * so this is the SDK's own key; a test checks that the SDK honours it.
 */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/**
 * Runs `work` with instrumentation silenced: no spans are started and no trace context is injected
 * into outgoing headers. For a caller that traces the work itself, e.g. a relay that produces each
 * message in the trace stored with its event, where the kafkajs instrumentation would otherwise put
 * the relay loop's context into every message.
 */
export function withoutInstrumentation<T>(work: () => T): T {
  return context.with(context.active().setValue(SUPPRESS_TRACING, true), work);
}
