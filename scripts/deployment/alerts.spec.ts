// Prometheus does not run on our machines, so its files are checked statically: they parse, every
// alert names metrics that a service really declares (so a renamed metric cannot silence an alert),
// and the scrape targets are the services' HTTP ports of infra/local.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  labels: { severity: string };
  annotations: { summary: string };
}

/** Every `name: 'metric_name'` a service or library declares with prom-client. */
function declaredMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir))) {
      const path = join(dir, entry);
      if (entry === 'node_modules' || entry === 'dist') continue;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
        for (const match of read(path).matchAll(/name: '([a-z_]+)'/g)) names.add(match[1]);
      }
    }
  };
  walk('services');
  walk('libs');
  return names;
}

describe('infra/prometheus', () => {
  const rules = (
    parse(read('infra/prometheus/alerts.yml')) as { groups: { rules: Rule[] }[] }
  ).groups.flatMap((group) => group.rules);

  it('has alerts with a severity and a summary, each on metrics the services declare', () => {
    const declared = declaredMetrics();
    const unknown: string[] = [];
    for (const rule of rules) {
      expect(rule).toMatchObject({
        labels: { severity: expect.any(String) },
        annotations: { summary: expect.any(String) },
      });
      for (const [name] of rule.expr.matchAll(/\b[a-z]+(?:_[a-z0-9]+)+\b/g)) {
        if (['histogram_quantile', 'status_code', 'grpc_code', 'grpc_method'].includes(name)) continue;
        const base = name.replace(/_(bucket|count|sum)$/, '');
        if (!declared.has(base)) unknown.push(`${rule.alert}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
    expect(rules.length).toBeGreaterThanOrEqual(5);
  });

  it("scrapes every service's HTTP port as infra/local runs it", () => {
    const config = parse(read('infra/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((job) =>
      job.static_configs.flatMap((group) => group.targets),
    );
    const local = JSON.parse(read('infra/local/services.json')) as {
      services: { env: Record<string, string> }[];
    };
    const ports = local.services.map((service) => `127.0.0.1:${service.env.HTTP_PORT}`);
    expect(targets.sort()).toEqual(ports.sort());
    expect(config.rule_files).toEqual(['alerts.yml']);
  });
});
