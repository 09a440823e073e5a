import { uuidV5 } from '@roomledger/event-store';
import type { PoolClient } from 'pg';
import {
  channelDecision,
  isMeetingNotice,
  type Notice,
  type NoticeKind,
  type Recipient,
  type Skip,
} from '../domain';
import { lookUpRecipients } from '../directory/recipient-directory';
import { recordDelivery } from '../delivery-log/delivery-log';
import type { NotificationChannel } from '../intake/channel';

export const EMAIL = 'email';

export type EmailSkip = Skip | 'stale';

/** Namespace of guests' recipient ids (a random v4 UUID, fixed forever). */
const GUEST_NAMESPACE = '0b7f1c52-6d3e-4f0a-9a8e-3c5d2e1f4b6a';

/**
 * A meeting guest's recipient id: `guest:<uuid v5 of the address>`, so the delivery log, the logs and
 * `notification.events.v1` name guests without their address (the address stays in the notice).
 */
export function guestRecipientId(address: string): string {
  return `guest:${uuidV5(address.toLowerCase(), GUEST_NAMESPACE)}`;
}

/**
 * The recipient behind a guest's id, from the notice's guests: addressed by their address, on the
 * meeting's clock (nobody told us theirs), e-mail their only channel. Undefined for users.
 */
export function guestRecipient(notice: Notice, recipientId: string): Recipient | undefined {
  if (!recipientId.startsWith('guest:') || !isMeetingNotice(notice)) return undefined;
  const address = notice.guests.find((guest) => guestRecipientId(guest) === recipientId);
  if (address === undefined) return undefined;
  return {
    userId: recipientId,
    version: 1,
    email: address,
    name: address,
    timeZone: notice.kind === 'meeting-reminder' ? notice.reminder.timeZone : notice.meeting.timeZone,
    channels: [EMAIL],
    deactivated: false,
  };
}

/**
 * The e-mail channel's half inside the consuming transaction: one `pending` delivery per person in the
 * notice's audience whom e-mail may reach (preferences, deactivation, erasure), unless the event is too
 * old to be news; and one per guest of a meeting notice (external addresses: no directory, no
 * preferences). The {@link EmailDispatcher} sends them after the commit.
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
    if (isMeetingNotice(notice))
      for (const guest of new Set(notice.guests))
        await recordDelivery(tx, notice, guestRecipientId(guest), EMAIL, context.traceparent);
  }
}
