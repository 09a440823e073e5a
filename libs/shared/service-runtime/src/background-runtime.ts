import {
  Inject,
  Injectable,
  type InjectionToken,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Type,
} from '@nestjs/common';

/** What a service runs besides its handlers (projections, relays, consumers, workers). */
export interface BackgroundRuntime {
  start(): Promise<void>;
  stop(): Promise<void>;
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
