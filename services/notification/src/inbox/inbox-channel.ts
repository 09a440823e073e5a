import type { PoolClient } from 'pg';
import { channelDecision, noticeFacts, type Notice, type NoticeKind, type Skip } from '../domain';
import { lookUpRecipients } from '../directory/recipient-directory';
import type { NotificationChannel } from '../intake/channel';
import { addInboxItem, inboxText } from './inbox-store';

export const IN_APP = 'in-app';

/**
 * The in-app inbox's channel: one inbox item per person in the notice's audience whom `in-app` may
 * reach, written in the consuming transaction, so each is stored exactly once. Nothing else to deliver:
 * the streams hear of the item through `pg_notify` when the transaction commits.
 */
export class InAppChannel implements NotificationChannel {
  readonly name = IN_APP;

  constructor(
    private readonly options: {
      onStored?: (kind: NoticeKind) => void;
      onSkipped?: (kind: NoticeKind, reason: Skip) => void;
    } = {},
  ) {}

  async accept(tx: PoolClient, notice: Notice): Promise<void> {
    const directory = await lookUpRecipients(tx, notice.audience);
    const text = inboxText(notice);
    for (const recipientId of new Set(notice.audience)) {
      const decision = channelDecision(directory.get(recipientId), IN_APP);
      if (!decision.deliver) {
        this.options.onSkipped?.(notice.kind, decision.skip);
        continue;
      }
      const stored = await addInboxItem(tx, {
        recipientId,
        sourceId: notice.eventId,
        kind: notice.kind,
        subject: notice.subject,
        ...text,
        data: { eventType: notice.eventType, ...noticeFacts(notice) },
        occurredAt: notice.occurredAt,
      });
      if (stored) this.options.onStored?.(notice.kind);
    }
  }
}
