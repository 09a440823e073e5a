import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, Injectable, UseFilters } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { ErrorCode } from '@roomledger/contracts';
import {
  GrpcErrorFilter,
  LOGGER,
  callerOf,
  optionalText,
  type ErrorMapper,
} from '@roomledger/service-runtime';
import { Observable } from 'rxjs';
import type { Logger } from 'pino';
import {
  inboxItemExists,
  inboxItemsAfter,
  latestInboxPosition,
  listInbox,
  markInboxRead,
  type InboxItem,
} from '../inbox/inbox-store';
import { NotificationRuntime } from '../notification.runtime';
import { inTransaction } from '../persistence/schema';
import {
  createSubscription,
  deleteSubscription,
  findSubscription,
  isUuid,
  listSubscriptions,
  redeliver,
  rotateSecret,
  type WebhookSubscription,
} from '../webhook/webhook-subscriptions';
import { checkTarget, parseWebhookUrl, TargetRefused } from '../webhook/webhook-target';

/** A refusal of the API, with the code and what the caller needs in ErrorInfo metadata. */
export class NotificationApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly info: Record<string, string> = {},
  ) {
    super(message);
  }
}

const invalid = (field: string, reason: string, message: string) =>
  new NotificationApiError('validation_failed', message, { field, reason });
const notFound = (what: string) => new NotificationApiError('not_found', `${what} not found`);

export const mapNotificationError: ErrorMapper = (error): ReturnType<ErrorMapper> => {
  if (error instanceof NotificationApiError)
    return { code: error.code, message: error.message, info: error.info };
  if (error instanceof TargetRefused)
    return {
      code: 'validation_failed',
      message: error.message,
      info: { field: 'url', reason: error.reason },
    };
  return undefined;
};

@Injectable()
export class NotificationGrpcErrorFilter extends GrpcErrorFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, mapNotificationError);
  }
}

interface Req {
  [field: string]: unknown;
}

const MAX_EVENT_TYPES = 50;
const MAX_URL_LENGTH = 2_048;
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

/** `roomledger.notification.v1.NotificationService`: the caller's webhook subscriptions and inbox. */
@Controller()
@UseFilters(NotificationGrpcErrorFilter)
export class NotificationGrpcController {
  constructor(@Inject(NotificationRuntime) private readonly runtime: NotificationRuntime) {}

  private get api() {
    return this.runtime.api;
  }

  @GrpcMethod('NotificationService', 'CreateWebhookSubscription')
  async createWebhookSubscription(request: Req, metadata: Metadata) {
    const { userId } = callerOf(metadata);
    const text = optionalText(request.url);
    if (!text) throw invalid('url', 'required', 'url is required');
    if (text.length > MAX_URL_LENGTH)
      throw invalid('url', 'too_long', `url is over ${MAX_URL_LENGTH} characters`);
    const url = parseWebhookUrl(text);
    await checkTarget(url, this.api.allowPrivateTargets);
    const eventTypes = stringList(request.eventTypes);
    if (eventTypes.length > MAX_EVENT_TYPES)
      throw invalid('eventTypes', 'too_many', `at most ${MAX_EVENT_TYPES} event types`);
    for (const type of eventTypes)
      if (!/^roomledger\.[a-z-]+\.[a-z-]+\.v\d+$/.test(type))
        throw invalid('eventTypes', 'invalid_event_type', `${type} is not a roomledger event type`);
    const created = await createSubscription(this.api.pool, userId, url.toString(), eventTypes);
    return { subscription: subscriptionReply(created.subscription), secret: created.secret };
  }

  @GrpcMethod('NotificationService', 'ListWebhookSubscriptions')
  async listWebhookSubscriptions(_request: Req, metadata: Metadata) {
    const { userId } = callerOf(metadata);
    return { subscriptions: (await listSubscriptions(this.api.pool, userId)).map(subscriptionReply) };
  }

  @GrpcMethod('NotificationService', 'DeleteWebhookSubscription')
  async deleteWebhookSubscription(request: Req, metadata: Metadata) {
    const { userId } = callerOf(metadata);
    const id = required(request, 'subscriptionId');
    const deleted = await inTransaction(this.api.pool, (tx) => deleteSubscription(tx, userId, id));
    if (!deleted) throw notFound('webhook subscription');
    return {};
  }

  @GrpcMethod('NotificationService', 'RedeliverWebhooks')
  async redeliverWebhooks(request: Req, metadata: Metadata) {
    const { userId } = callerOf(metadata);
    const id = required(request, 'subscriptionId');
    const from = optionalText(request.fromPosition) ?? '0';
    if (!/^\d{1,18}$/.test(from))
      throw invalid('fromPosition', 'invalid_position', 'fromPosition is a decimal');
    const queued = await inTransaction(this.api.pool, async (tx) => {
      if (!(await findSubscription(tx, userId, id))) throw notFound('webhook subscription');
      return redeliver(tx, id, from);
    });
    this.api.wakeWebhooks();
    return { queued };
  }

  @GrpcMethod('NotificationService', 'RotateWebhookSecret')
  async rotateWebhookSecret(request: Req, metadata: Metadata) {
    const { userId } = callerOf(metadata);
    const id = required(request, 'subscriptionId');
    const rotated = await rotateSecret(this.api.pool, userId, id, this.api.secretRotationGraceSeconds);
    if (!rotated) throw notFound('webhook subscription');
    return {
      subscription: subscriptionReply(rotated.subscription),
      secret: rotated.secret,
      previousSecretExpiresAt: rotated.previousSecretExpiresAt,
    };
  }

  @GrpcMethod('NotificationService', 'ListInbox')
  async listInbox(request: Req, metadata: Metadata) {
    const { userId } = callerOf(metadata);
    const size =
      typeof request.pageSize === 'number' && request.pageSize > 0 ? request.pageSize : DEFAULT_PAGE_SIZE;
    if (size > MAX_PAGE_SIZE) throw invalid('pageSize', 'too_large', `pageSize is at most ${MAX_PAGE_SIZE}`);
    const cursor = optionalText(request.cursor);
    if (cursor !== undefined && !/^\d{1,18}$/.test(cursor))
      throw invalid('cursor', 'invalid_cursor', 'not a cursor of this list');
    const page = await listInbox(this.api.pool, userId, {
      limit: size,
      unreadOnly: request.unreadOnly === true,
      ...(cursor ? { before: cursor } : {}),
    });
    return {
      items: page.items.map(itemReply),
      nextCursor: page.nextCursor ?? '',
      unreadCount: page.unreadCount,
    };
  }

  @GrpcMethod('NotificationService', 'MarkInboxRead')
  async markInboxRead(request: Req, metadata: Metadata) {
    const { userId } = callerOf(metadata);
    const itemId = optionalText(request.itemId);
    if (request.all === true) {
      if (itemId) throw invalid('itemId', 'exclusive', 'either itemId or all');
      return { marked: await markInboxRead(this.api.pool, userId) };
    }
    if (!itemId) throw invalid('itemId', 'required', 'itemId or all is required');
    if (!isUuid(itemId) || !(await inboxItemExists(this.api.pool, userId, itemId)))
      throw notFound('inbox item');
    return { marked: await markInboxRead(this.api.pool, userId, itemId) };
  }

  /**
   * Pushes the caller's new items: the instance's LISTEN connection says "this person may have new
   * items", and the stream reads everything after the last position it sent (so a missed or coalesced
   * notification loses nothing, and nothing is sent twice).
   */
  @GrpcMethod('NotificationService', 'StreamInbox')
  streamInbox(request: Req, metadata: Metadata): Observable<ReturnType<typeof itemReply>> {
    const { userId } = callerOf(metadata);
    const after = optionalText(request.afterPosition);
    if (after !== undefined && !/^\d{1,18}$/.test(after))
      throw invalid('afterPosition', 'invalid_position', 'afterPosition is a decimal');
    const { pool, inboxListener, logger } = this.api;
    return new Observable((subscriber) => {
      let position = after;
      let busy = false;
      let again = false;
      let closed = false;
      const pump = async (): Promise<void> => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            position ??= await latestInboxPosition(pool, userId);
            for (;;) {
              const items: InboxItem[] = await inboxItemsAfter(pool, userId, position);
              if (closed || items.length === 0) break;
              for (const item of items) {
                subscriber.next(itemReply(item));
                position = item.position;
              }
            }
          } while (again && !closed);
        } catch (error) {
          logger.warn({ err: error }, 'inbox stream failed');
          subscriber.error(new NotificationApiError('unavailable', 'the inbox stream failed; reconnect'));
        } finally {
          busy = false;
        }
      };
      const unsubscribe = inboxListener.subscribe(userId, () => void pump());
      void pump();
      return () => {
        closed = true;
        unsubscribe();
      };
    });
  }
}

function required(request: Req, field: string): string {
  const value = optionalText(request[field]);
  if (!value) throw invalid(field, 'required', `${field} is required`);
  return value;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((each): each is string => typeof each === 'string' && each !== '')
    : [];
}

function subscriptionReply(subscription: WebhookSubscription) {
  return {
    id: subscription.id,
    url: subscription.url,
    eventTypes: [...subscription.eventTypes],
    status: subscription.status,
    createdAt: subscription.createdAt,
    pausedAt: subscription.pausedAt ?? '',
    consecutiveDead: subscription.consecutiveDead,
  };
}

function itemReply(item: InboxItem) {
  return {
    id: item.id,
    position: item.position,
    kind: item.kind,
    subject: item.subject,
    title: item.title,
    body: item.body,
    dataJson: JSON.stringify(item.data),
    occurredAt: item.occurredAt,
    createdAt: item.createdAt,
    readAt: item.readAt ?? '',
  };
}
