import type { PoolClient } from 'pg';
import type { Notice } from '../domain';

/**
 * One way of telling people: `email` today; webhooks, the in-app inbox and reminders plug in here, each
 * as one more entry in the runtime's list of channels. Every incoming notice is offered to every
 * channel, in the same transaction that records the event id in the inbox.
 */
export interface NotificationChannel {
  /** `email`, `webhook`, `in-app`, `reminder`: the `channel` column of the delivery log and the metrics label. */
  readonly name: string;
  /**
   * Records what this channel owes for `notice` (delivery-log rows, inbox rows, reminder rows), writing
   * through `tx` only: the effect then commits with the event id, exactly once. Nothing leaves the
   * process here (no SMTP, HTTP or Redis): the channel's dispatcher does that after the commit.
   * `context.traceparent` is the consuming span's, for the dispatcher to continue the trace.
   */
  accept(tx: PoolClient, notice: Notice, context: { readonly traceparent?: string }): Promise<void>;
}

/** Offers `notice` to every channel, in order, inside the consuming transaction. */
export async function fanOut(
  tx: PoolClient,
  notice: Notice,
  channels: readonly NotificationChannel[],
  context: { readonly traceparent?: string },
): Promise<void> {
  for (const channel of channels) await channel.accept(tx, notice, context);
}
