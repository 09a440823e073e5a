import type { Logger } from 'pino';

/**
 * A background worker's loop: `runOnce` every `intervalMs`, counted from the end of the previous round
 * (rounds never overlap), from `start()` until `stop()`. A failing round is logged as `failure` and the
 * next one runs as planned. `stop()` waits for the round in hand, which checks `stopped` to end early.
 */
export abstract class RecurringWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopRequested = false;

  protected constructor(
    private readonly loop: {
      readonly intervalMs: number;
      readonly logger: Logger;
      /** The log message of a failed round, e.g. `hold expiry round failed`. */
      readonly failure: string;
    },
  ) {}

  /** One round. */
  abstract runOnce(): Promise<unknown>;

  start(): void {
    this.stopRequested = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    clearTimeout(this.timer);
    await this.running;
  }

  protected get stopped(): boolean {
    return this.stopRequested;
  }

  private schedule(): void {
    if (this.stopRequested) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.loop.logger.warn({ err: error }, this.loop.failure))
        .finally(() => this.schedule());
    }, this.loop.intervalMs);
  }
}
