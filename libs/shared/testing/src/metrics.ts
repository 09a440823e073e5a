import type { Registry } from 'prom-client';

/**
 * One series' value as Prometheus would scrape it from `registry` (collect callbacks run), e.g.
 * `scrapedValue(registry, 'relay_lag_events', { relay: 'booking-events' })`; `undefined` when absent.
 */
export async function scrapedValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  const values = (metric as { values?: { value: number; labels: Record<string, unknown> }[] } | undefined)
    ?.values;
  const series = values?.find((value) =>
    Object.entries(labels).every(([label, wanted]) => String(value.labels[label]) === wanted),
  );
  return series?.value;
}
