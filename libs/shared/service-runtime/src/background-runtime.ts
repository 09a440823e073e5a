import {
  Inject,
  Injectable,
  type InjectionToken,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';
import type { ServiceMetrics } from '@roomledger/observability';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { ReadinessCheck } from './readiness';
import { KAFKA, METRICS, PG_POOL } from './tokens';

/** What a service runs besides its handlers (projections, relays, consumers, workers). */
export interface BackgroundRuntime {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For readiness; `projection: 'failed'` makes the service not ready. */
  status?(): Record<string, unknown>;
}

/**
 * A provider that starts the runtime behind `token` once Nest is up (after every module initialised)
 * and stops it on shutdown, before the clients it uses close.
 */
export function lifecycleOf(token: InjectionToken): Type<OnApplicationBootstrap & OnApplicationShutdown> {
  @Injectable()
  class RuntimeLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
    constructor(@Inject(token) private readonly runtime: BackgroundRuntime) {}

    async onApplicationBootstrap(): Promise<void> {
      await this.runtime.start();
    }

    async onApplicationShutdown(): Promise<void> {
      await this.runtime.stop();
    }
  }
  return RuntimeLifecycle;
}

/** The clients a runtime is built from (those `serviceModules` provides). */
export interface RuntimeClients {
  readonly pool: Pool;
  readonly kafka: Kafka;
  readonly metrics: ServiceMetrics;
}

/**
 * The providers of a service's background runtime (built from the service's PostgreSQL pool, Kafka
 * client and metrics; started and stopped with Nest) and a `read_model` readiness check that reports the
 * runtime's status and fails while it starts or once its projection has stopped.
 */
export function backgroundRuntime<R extends BackgroundRuntime>(options: {
  token: InjectionToken;
  create: (clients: RuntimeClients) => Promise<R>;
  /** Names the read model in the readiness error, e.g. `booking_read`. */
  readModel: string;
}): { providers: Provider[]; readiness: ReadinessCheck } {
  let runtime: R | undefined;
  const readiness: ReadinessCheck = {
    name: 'read_model',
    async check() {
      if (!runtime) throw new Error('starting');
      const status = runtime.status?.() ?? {};
      if (status.projection === 'failed') throw new Error(`${options.readModel} projection stopped`);
      return status;
    },
  };
  const providers: Provider[] = [
    lifecycleOf(options.token),
    {
      provide: options.token,
      inject: [PG_POOL, KAFKA, METRICS],
      useFactory: async (pool: Pool, kafka: Kafka, metrics: ServiceMetrics) =>
        (runtime = await options.create({ pool, kafka, metrics })),
    },
  ];
  return { providers, readiness };
}
