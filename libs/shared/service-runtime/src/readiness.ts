import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

/** One dependency a service needs before it can serve; `check` throws when it cannot. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<Record<string, unknown> | void>;
  /**
   * A dependency the service can serve without, in a reduced way: when it is down the report says
   * `degraded` (HTTP 200) instead of `not_ready`, and names what is reduced.
   */
  optional?: { whenDown: string };
  /** Releases what the check holds open (a connection of its own), at shutdown. */
  close?(): Promise<void>;
}

export interface CheckReport {
  status: 'up' | 'down';
  latencyMs: number;
  /** For an optional dependency that is down: what the service does without it. */
  degraded?: string;
  error?: string;
  [detail: string]: unknown;
}

export interface ReadinessReport {
  /** `degraded`: serving, without an optional dependency (see the check's `degraded`). */
  status: 'ready' | 'degraded' | 'not_ready';
  service: string;
  checks: Record<string, CheckReport>;
}

export async function runReadinessChecks(
  service: string,
  checks: ReadinessCheck[],
  timeoutMs = 2_000,
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    checks.map(async (readiness): Promise<[string, CheckReport]> => {
      const started = performance.now();
      try {
        const details = await withTimeout(
          readiness.check(),
          timeoutMs,
          `${readiness.name} did not answer in ${timeoutMs} ms`,
        );
        return [readiness.name, { status: 'up', latencyMs: elapsed(started), ...(details ?? {}) }];
      } catch (error) {
        const details = (error as { details?: Record<string, unknown> } | undefined)?.details;
        return [
          readiness.name,
          {
            status: 'down',
            latencyMs: elapsed(started),
            error: describe(error),
            ...(readiness.optional ? { degraded: readiness.optional.whenDown } : {}),
            ...details,
          },
        ];
      }
    }),
  );
  const report = Object.fromEntries(entries);
  const down = entries.filter(([, entry]) => entry.status !== 'up');
  const status =
    down.length === 0 ? 'ready' : down.every(([, entry]) => entry.degraded) ? 'degraded' : 'not_ready';
  return { status, service, checks: report };
}

export const postgresCheck = (pool: Pool): ReadinessCheck => ({
  name: 'postgres',
  check: async () => {
    await pool.query('select 1');
  },
});

export const redisCheck = (redis: Redis): ReadinessCheck => ({
  name: 'redis',
  check: async () => {
    // Just after start-up the connection may still be opening; commands are not queued meanwhile.
    if (redis.status === 'connecting' || redis.status === 'connect') {
      await new Promise((resolve) => redis.once('ready', resolve));
    }
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`unexpected answer ${pong}`);
  },
});

export const kafkaCheck = (kafka: Kafka): ReadinessCheck => {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  return {
    name: 'kafka',
    check: async () => {
      connected ??= admin.connect().catch((error) => {
        connected = undefined;
        throw error;
      });
      await connected;
      const cluster = await admin.describeCluster();
      return { brokers: cluster.brokers.length };
    },
    close: async () => {
      if (connected) await admin.disconnect();
    },
  };
};

/** A downstream service's own readiness report, nested in ours (the gateway's view of the system). */
export const downstreamCheck = (name: string, baseUrl: string): ReadinessCheck => ({
  name,
  check: async () => {
    const url = `${baseUrl.replace(/\/$/, '')}/health/ready`;
    const response = await fetch(url, { signal: AbortSignal.timeout(1_500) }).catch((error: unknown) => {
      throw new Error(`${name} unreachable at ${baseUrl}: ${describe(error)}`);
    });
    const report = (await response.json()) as ReadinessReport;
    if (!response.ok || report.status === 'not_ready') {
      const down = Object.entries(report.checks ?? {})
        .filter(([, check]) => check.status !== 'up')
        .map(([dependency]) => dependency);
      throw Object.assign(new Error(`${name} not ready${down.length ? `: ${down.join(', ')} down` : ''}`), {
        details: { checks: report.checks },
      });
    }
    return { ...(report.status === 'degraded' ? { degraded: true } : {}), checks: report.checks };
  },
});

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return describe(error.errors[0]);
  if (error instanceof Error && error.cause) return `${error.message}: ${describe(error.cause)}`;
  return error instanceof Error ? error.message || error.name : String(error);
}
