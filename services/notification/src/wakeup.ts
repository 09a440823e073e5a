/**
 * A loop's pause that work can cut short: `wake()` ends the current (or next) `wait` at once, so a
 * worker sleeps between polls but reacts to new work within milliseconds, and no wake-up that arrives
 * while it is busy is lost.
 */
export class Wakeup {
  private woken = false;
  private waiter: (() => void) | undefined;

  /** Call right before looking for work: wake-ups before this point are covered by that look. */
  arm(): void {
    this.woken = false;
  }

  wake(): void {
    this.woken = true;
    this.waiter?.();
  }

  /** Resolves after `ms`, on `wake()`, or when `signal` aborts; at once if woken since `arm()`. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.woken || signal?.aborted) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiter = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiter = done;
    });
  }
}
