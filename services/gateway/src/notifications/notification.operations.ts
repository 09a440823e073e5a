import { z } from 'zod';
import { operation } from '../edge/operation';
import { id, text, utc } from '../edge/schemas';

export const inboxItem = z
  .object({
    id: id('The item'),
    position: z.string().meta({ description: 'Its place in the inbox, increasing: an SSE event id' }),
    kind: z.string().meta({ example: 'booking-confirmed' }),
    subject: z.string().meta({ description: 'What it is about (a booking id, a subscription id, ...)' }),
    title: z.string(),
    body: z.string(),
    data: z.record(z.string(), z.unknown()),
    occurredAt: utc('When the event happened'),
    createdAt: utc('When the item was made'),
    readAt: utc('When it was marked read').optional(),
  })
  .meta({ id: 'InboxItem' });

const itemExample = {
  id: '9d1c7c4e-2b3a-4f5e-8a9b-0c1d2e3f4a5b',
  position: '42',
  kind: 'booking-confirmed',
  subject: '5c6b0a1e-8f3d-4c2a-9b7e-2d1f0e3c4b5a',
  title: 'Booking confirmed: Sprint planning',
  body: 'Ada, Tue 1 Dec 09:00–10:00 (Europe/Berlin)',
  data: { bookingId: '5c6b0a1e-8f3d-4c2a-9b7e-2d1f0e3c4b5a' },
  occurredAt: '2026-11-22T17:00:00Z',
  createdAt: '2026-11-22T17:00:00Z',
};

export const listInbox = operation({
  id: 'listNotifications',
  method: 'get',
  path: '/v1/notifications',
  tag: 'notifications',
  summary: 'My in-app notifications, newest first',
  access: 'member',
  query: z.object({
    unreadOnly: z
      .enum(['true', 'false'])
      .optional()
      .transform((value) => value === 'true'),
    limit: z.coerce.number().int().min(1).max(100).optional(),
    cursor: text(512).optional(),
  }),
  success: {
    status: 200,
    description: 'A page of notifications and how many are unread',
    schema: z
      .object({ items: z.array(inboxItem), nextCursor: z.string().nullable(), unreadCount: z.int() })
      .meta({ id: 'InboxPage' }),
    example: { items: [itemExample], nextCursor: null, unreadCount: 1 },
  },
  errors: [],
});

export const markRead = operation({
  id: 'markNotificationsRead',
  method: 'post',
  path: '/v1/notifications/read',
  tag: 'notifications',
  summary: 'Mark one notification, or all, as read',
  access: 'member',
  body: z
    .union([z.object({ itemId: id('The item') }).strict(), z.object({ all: z.literal(true) }).strict()])
    .meta({ description: '`{itemId}` or `{all: true}`' }),
  requestExample: { all: true },
  success: {
    status: 200,
    description: 'How many were marked',
    schema: z.object({ marked: z.int() }).meta({ id: 'Marked' }),
    example: { marked: 3 },
  },
  errors: ['not_found'],
});

export const streamInbox = operation({
  id: 'streamNotifications',
  method: 'get',
  path: '/v1/notifications/stream',
  tag: 'notifications',
  summary: 'New notifications as they arrive (Server-Sent Events)',
  description:
    "Each event is one InboxItem as JSON, its `id` the item's position: a client that reconnects with " +
    '`Last-Event-ID` (or `?after=`) misses nothing.',
  access: 'member',
  stream: true,
  query: z.object({
    after: z
      .string()
      .regex(/^\d{1,18}$/)
      .optional()
      .meta({ description: 'Resume after this position' }),
  }),
  success: {
    status: 200,
    description: 'An event stream',
    contentType: 'text/event-stream',
    schema: z
      .object({
        id: z.string().optional().meta({ description: "The item's position" }),
        event: z.string().optional().meta({ description: '`error` when the stream fails (then it ends)' }),
        data: z.string().meta({ description: 'The InboxItem as JSON (or the error)' }),
      })
      .meta({ id: 'InboxEvent' }),
    example: `id: 42\ndata: ${JSON.stringify(itemExample)}\n\n`,
  },
  errors: [],
});

const subscription = z
  .object({
    id: id('The subscription'),
    url: z.string(),
    eventTypes: z.array(z.string()),
    status: z.enum(['active', 'paused']),
    createdAt: utc('Created'),
    pausedAt: utc('Paused after repeated failures').optional(),
    consecutiveDead: z.int(),
  })
  .meta({ id: 'WebhookSubscription' });
const subscriptionExample = {
  id: '1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b',
  url: 'https://hooks.example.com/roomledger',
  eventTypes: ['roomledger.booking.confirmed.v1'],
  status: 'active',
  createdAt: '2026-11-22T17:00:00Z',
  consecutiveDead: 0,
};

export const createWebhook = operation({
  id: 'createWebhook',
  method: 'post',
  path: '/v1/webhooks',
  tag: 'webhooks',
  summary: 'Subscribe a URL to events; the signing secret is shown once',
  description:
    'Deliveries are POSTs signed with `Roomledger-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`; ' +
    'accept if any `v1` matches (after a secret rotation there are two for a while) and ' +
    'reject timestamps older than 5 minutes. Private and loopback targets are refused.',
  access: 'member',
  body: z
    .object({
      url: z.url({ protocol: /^https?$/ }).max(2_048),
      eventTypes: z
        .array(z.string().regex(/^roomledger\.[a-z-]+\.[a-z-]+\.v\d+$/))
        .max(50)
        .optional()
        .meta({ description: 'CloudEvents types; absent or empty: every type' }),
    })
    .strict(),
  requestExample: {
    url: 'https://hooks.example.com/roomledger',
    eventTypes: ['roomledger.booking.confirmed.v1'],
  },
  success: {
    status: 201,
    description: 'Subscribed',
    schema: z.object({ subscription, secret: z.string() }).meta({ id: 'CreatedWebhook' }),
    example: { subscription: subscriptionExample, secret: 'whsec_…' },
  },
  errors: [],
});

export const listWebhooks = operation({
  id: 'listWebhooks',
  method: 'get',
  path: '/v1/webhooks',
  tag: 'webhooks',
  summary: 'My webhook subscriptions',
  access: 'member',
  success: {
    status: 200,
    description: 'The subscriptions',
    schema: z.object({ items: z.array(subscription) }).meta({ id: 'WebhookList' }),
    example: { items: [subscriptionExample] },
  },
  errors: [],
});

const webhookParams = z.object({ subscriptionId: id('The subscription') });

export const deleteWebhook = operation({
  id: 'deleteWebhook',
  method: 'delete',
  path: '/v1/webhooks/{subscriptionId}',
  tag: 'webhooks',
  summary: 'Unsubscribe (deliveries still owed are dropped)',
  access: 'member',
  params: webhookParams,
  success: { status: 204, description: 'Unsubscribed' },
  errors: ['not_found'],
});

export const redeliverWebhooks = operation({
  id: 'redeliverWebhooks',
  method: 'post',
  path: '/v1/webhooks/{subscriptionId}/redeliver',
  tag: 'webhooks',
  summary: 'Deliver again everything since a position (also resumes a paused subscription)',
  access: 'member',
  params: webhookParams,
  body: z
    .object({
      fromPosition: z
        .string()
        .regex(/^\d{1,18}$/)
        .optional(),
    })
    .strict(),
  requestExample: { fromPosition: '1200' },
  success: {
    status: 200,
    description: 'How many deliveries were queued',
    schema: z.object({ queued: z.int() }).meta({ id: 'Redelivered' }),
    example: { queued: 12 },
  },
  errors: ['not_found'],
});

export const rotateWebhookSecret = operation({
  id: 'rotateWebhookSecret',
  method: 'post',
  path: '/v1/webhooks/{subscriptionId}/rotate-secret',
  tag: 'webhooks',
  summary: 'Replace the signing secret; the new one is shown once',
  description:
    'Until `previousSecretExpiresAt` (a day by default) every delivery carries two signatures, ' +
    '`Roomledger-Signature: t=<unix>,v1=<with the new secret>,v1=<with the previous one>`, so a receiver ' +
    'accepting any matching `v1` can switch secrets without rejecting a delivery; after it, only the new one. ' +
    'Rotating again within that period ends it for the secret before.',
  access: 'member',
  params: webhookParams,
  success: {
    status: 200,
    description: 'The new secret (not shown again) and until when the previous one still signs',
    schema: z
      .object({
        subscription,
        secret: z.string().meta({ description: 'The new `whsec_...` HMAC key' }),
        previousSecretExpiresAt: utc('Until then deliveries are signed with the previous secret too'),
      })
      .meta({ id: 'RotatedWebhookSecret' }),
    example: {
      subscription: subscriptionExample,
      secret: 'whsec_…',
      previousSecretExpiresAt: '2026-11-23T17:00:00Z',
    },
  },
  errors: ['not_found'],
});
