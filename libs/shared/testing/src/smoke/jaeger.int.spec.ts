import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { eventually } from '../eventually';
import { testStack, uniqueSuffix } from '../stack';

describe('Jaeger on the test stack', () => {
  it('finds a span that the OpenTelemetry SDK exported over OTLP', async () => {
    const serviceName = `smoke-${uniqueSuffix()}`;
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName }),
      spanProcessors: [
        new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${testStack.otlpEndpoint}/v1/traces` })),
      ],
    });
    const span = provider
      .getTracer('smoke')
      .startSpan('smoke-operation', { attributes: { 'smoke.marker': 'yes' } });
    const { traceId } = span.spanContext();
    span.end();
    await provider.forceFlush();
    await provider.shutdown();

    const trace = await eventually(async () => {
      const response = await fetch(`${testStack.jaegerQueryUrl}/api/traces/${traceId}`);
      expect(response.status).toBe(200);
      return (await response.json()) as {
        data: { spans: { operationName: string }[]; processes: Record<string, { serviceName: string }> }[];
      };
    });
    expect(trace.data[0].spans.map((exported) => exported.operationName)).toEqual(['smoke-operation']);
    expect(Object.values(trace.data[0].processes).map((process) => process.serviceName)).toEqual([
      serviceName,
    ]);
  });
});
