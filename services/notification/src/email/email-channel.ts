import type { PoolClient } from 'pg';
import { channelDecision, type Notice, type NoticeKind, type Skip } from '../domain';
import { lookUpRecipients } from '../directory/recipient-directory';
import { recordDelivery } from '../delivery-log/delivery-log';
import type { NotificationChannel } from '../intake/channel';

export const EMAIL = 'email';

export type EmailSkip = Skip | 'stale';

/**
 * The e-mail channel's half inside the consuming transaction: one `pending` delivery per person in the
 * notice's audience whom e-mail may reach (preferences, deactivation, erasure), unless the event is too
 * old to be news. The {@link EmailDispatcher} sends them after the commit.
 */
export class EmailChannel implements NotificationChannel {
  readonly name = EMAIL;

  constructor(
    private readonly options: {
      /** Events older than this when consumed are not mailed. */
      maxEventAgeMs: number;
      now?: () => number;
      onSkipped?: (kind: NoticeKind, reason: EmailSkip) => void;
    },
  ) {}

  async accept(tx: PoolClient, notice: Notice, context: { traceparent?: string }): Promise<void> {
    const now = this.options.now?.() ?? Date.now();
    if (now - Date.parse(notice.occurredAt) > this.options.maxEventAgeMs) {
      this.options.onSkipped?.(notice.kind, 'stale');
      return;
    }
    const directory = await lookUpRecipients(tx, notice.audience);
    for (const recipientId of new Set(notice.audience)) {
      const decision = channelDecision(directory.get(recipientId), EMAIL);
      if (decision.deliver) await recordDelivery(tx, notice, recipientId, EMAIL, context.traceparent);
      else this.options.onSkipped?.(notice.kind, decision.skip);
    }
  }
}
