import { status, type ServiceError } from '@grpc/grpc-js';
import { Controller, Inject, type MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import { context, Downstream, problemOf } from '../edge/downstream';
import { Edge } from '../edge/edge.interceptor';
import { Route, type EdgeRequest } from '../edge/operation';
import { optional } from '../edge/schemas';
import {
  createWebhook,
  deleteWebhook,
  listInbox,
  listWebhooks,
  markRead,
  redeliverWebhooks,
  rotateWebhookSecret,
  streamInbox,
} from './notification.operations';

interface InboxItemReply {
  id: string;
  position: string;
  kind: string;
  subject: string;
  title: string;
  body: string;
  dataJson: string;
  occurredAt: string;
  createdAt: string;
  readAt: string;
}

interface SubscriptionReply {
  id: string;
  url: string;
  eventTypes: string[];
  status: string;
  createdAt: string;
  pausedAt: string;
  consecutiveDead: number;
}

const itemOut = (item: InboxItemReply) => ({
  id: item.id,
  position: item.position,
  kind: item.kind,
  subject: item.subject,
  title: item.title,
  body: item.body,
  data: item.dataJson ? (JSON.parse(item.dataJson) as Record<string, unknown>) : {},
  occurredAt: item.occurredAt,
  createdAt: item.createdAt,
  readAt: optional(item.readAt),
});

const subscriptionOut = (subscription: SubscriptionReply) => ({
  id: subscription.id,
  url: subscription.url,
  eventTypes: subscription.eventTypes,
  status: subscription.status,
  createdAt: subscription.createdAt,
  pausedAt: optional(subscription.pausedAt),
  consecutiveDead: subscription.consecutiveDead,
});

/** The in-app inbox (with its live stream) and webhook subscriptions: roomledger.notification.v1.NotificationService. */
@Controller()
export class NotificationsHttpController {
  constructor(@Inject(Downstream) private readonly services: Downstream) {}

  @Route(listInbox)
  async list(@Edge() request: EdgeRequest<typeof listInbox>) {
    const { unreadOnly, limit, cursor } = request.query;
    const page = await this.services.call<{
      items: InboxItemReply[];
      nextCursor: string;
      unreadCount: number;
    }>(
      'notification',
      'ListInbox',
      { pageSize: limit ?? 0, cursor: cursor ?? '', unreadOnly },
      context(request),
    );
    return {
      items: page.items.map(itemOut),
      nextCursor: page.nextCursor || null,
      unreadCount: page.unreadCount,
    };
  }

  @Route(markRead)
  markRead(@Edge() request: EdgeRequest<typeof markRead>) {
    const body = request.body;
    return this.services.call<{ marked: number }>(
      'notification',
      'MarkInboxRead',
      'itemId' in body ? { itemId: body.itemId } : { all: true },
      context(request),
    );
  }

  /** Server-Sent Events: the event id is the item's position, so `Last-Event-ID` resumes without a gap. */
  @Route(streamInbox)
  stream(@Edge() request: EdgeRequest<typeof streamInbox>): Observable<MessageEvent> {
    const lastEventId = request.lastEventId;
    const after = request.query.after ?? (lastEventId && /^\d{1,18}$/.test(lastEventId) ? lastEventId : '');
    return new Observable<MessageEvent>((subscriber) => {
      const call = this.services.stream<InboxItemReply>(
        'notification',
        'StreamInbox',
        { afterPosition: after },
        context(request),
      );
      call.on('data', (item: InboxItemReply) => subscriber.next({ id: item.position, data: itemOut(item) }));
      call.on('error', (error: ServiceError) =>
        error.code === status.CANCELLED
          ? subscriber.complete()
          : subscriber.error(problemOf('notification', error)),
      );
      call.on('end', () => subscriber.complete());
      return () => call.cancel();
    });
  }

  @Route(createWebhook)
  async create(@Edge() request: EdgeRequest<typeof createWebhook>) {
    const created = await this.services.call<{ subscription: SubscriptionReply; secret: string }>(
      'notification',
      'CreateWebhookSubscription',
      { url: request.body.url, eventTypes: request.body.eventTypes ?? [] },
      context(request),
    );
    return { subscription: subscriptionOut(created.subscription), secret: created.secret };
  }

  @Route(listWebhooks)
  async listWebhooks(@Edge() request: EdgeRequest<typeof listWebhooks>) {
    const list = await this.services.call<{ subscriptions: SubscriptionReply[] }>(
      'notification',
      'ListWebhookSubscriptions',
      {},
      context(request),
    );
    return { items: list.subscriptions.map(subscriptionOut) };
  }

  @Route(deleteWebhook)
  async delete(@Edge() request: EdgeRequest<typeof deleteWebhook>) {
    await this.services.call('notification', 'DeleteWebhookSubscription', request.params, context(request));
  }

  @Route(redeliverWebhooks)
  redeliver(@Edge() request: EdgeRequest<typeof redeliverWebhooks>) {
    return this.services.call<{ queued: number }>(
      'notification',
      'RedeliverWebhooks',
      { subscriptionId: request.params.subscriptionId, fromPosition: request.body.fromPosition ?? '' },
      context(request),
    );
  }

  @Route(rotateWebhookSecret)
  async rotateSecret(@Edge() request: EdgeRequest<typeof rotateWebhookSecret>) {
    const rotated = await this.services.call<{
      subscription: SubscriptionReply;
      secret: string;
      previousSecretExpiresAt: string;
    }>('notification', 'RotateWebhookSecret', request.params, context(request));
    return {
      subscription: subscriptionOut(rotated.subscription),
      secret: rotated.secret,
      previousSecretExpiresAt: rotated.previousSecretExpiresAt,
    };
  }
}
