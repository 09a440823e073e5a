import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  eventually,
  startSystemWithMember,
  type FeedTopics,
  type GatewayCall,
  type RunningSystem,
} from '@roomledger/testing';

interface Delivery {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * What a member sees of notifications through the gateway: the in-app inbox and its live stream
 * (Server-Sent Events), and a webhook their own service receives, signed.
 */
describe('Notifications through the gateway, end to end', () => {
  let system: RunningSystem;
  let feeds: FeedTopics;
  let receiver: Server;
  const deliveries: Delivery[] = [];
  const runId = randomUUID().slice(0, 8);
  let api: GatewayCall;
  let adminToken: string;
  let memberToken: string;
  let roomId: string;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        deliveries.push({ path: request.url ?? '/', headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    ({ system, feeds, api, adminToken, memberToken, roomId } = await startSystemWithMember({
      clientId: 'e2e-notifications',
      // The webhook receiver is this test, on loopback: allowed here, refused by default.
      env: { RATE_LIMIT_IP_AUTH: '500', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', REMINDERS_ENABLED: 'false' },
      member: {
        email: `notified-${runId}@example.com`,
        name: 'Notified',
        password: 'correct-horse-battery-staple',
        channels: ['email', 'in-app'],
      },
      room: { name: `notify-${runId}`, bookableOn: '2031-02-03' },
    }));
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await feeds?.delete();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('streams the confirmation to the inbox live, lists it, marks it read, and signs the webhook delivery', async () => {
    const created = await api<{ subscription: { id: string; status: string }; secret: string }>(
      'POST',
      '/v1/webhooks',
      memberToken,
      { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, eventTypes: [] },
    );
    expect(created.status).toBe(201);
    expect(created.body.subscription.status).toBe('active');
    const listed = await api<{ items: { id: string }[] }>('GET', '/v1/webhooks', memberToken);
    expect(listed.body.items.map((item) => item.id)).toContain(created.body.subscription.id);

    const stream = await fetch(`${system.gatewayUrl}/v1/notifications/stream`, {
      headers: { authorization: `Bearer ${memberToken}`, accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body!.getReader();

    const booked = await api<{ id: string }>('POST', '/v1/bookings', memberToken, {
      roomId,
      start: '2031-02-03T09:00:00+01:00',
      end: '2031-02-03T10:00:00+01:00',
      title: 'Notified',
    });
    expect(booked.status).toBe(201);

    let text = '';
    const event = await eventually(async () => {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
      const match = /id: (\d+)\ndata: (\{.+)\n/.exec(text);
      if (!match) {
        if (text.includes('event: error')) {
          const recent = system
            .logs()
            .filter((line) => /gateway|notification/.test(line))
            .slice(-15);
          throw Object.assign(new Error(`the stream failed: ${text}\n${recent.join('\n')}`), { fatal: true });
        }
        throw new Error(`no event yet: ${text}`);
      }
      return {
        id: match[1],
        item: JSON.parse(match[2]) as { kind: string; subject: string; position: string },
      };
    }, 30_000);
    await reader.cancel();
    expect(event.item).toMatchObject({
      kind: 'booking-confirmed',
      subject: booked.body.id,
      position: event.id,
    });

    const inbox = await api<{ items: { subject: string }[]; unreadCount: number }>(
      'GET',
      '/v1/notifications?unreadOnly=true',
      memberToken,
    );
    expect(inbox.body.items.map((item) => item.subject)).toContain(booked.body.id);
    expect(inbox.body.unreadCount).toBeGreaterThan(0);
    expect(
      (await api<{ marked: number }>('POST', '/v1/notifications/read', memberToken, { all: true })).status,
    ).toBe(200);
    expect(
      (await api<{ unreadCount: number }>('GET', '/v1/notifications', memberToken)).body.unreadCount,
    ).toBe(0);

    const delivery = await eventually(() => {
      const found = deliveries.find((entry) => entry.body.includes(booked.body.id));
      if (!found) throw new Error(`no webhook delivery yet (${deliveries.length} received)`);
      return found;
    }, 30_000);
    const signature = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(delivery.headers['roomledger-signature']));
    expect(signature).not.toBeNull();
    const expected = createHmac('sha256', created.body.secret)
      .update(`${signature![1]}.${delivery.body}`)
      .digest('hex');
    expect(signature![2]).toBe(expected);
    expect(Math.abs(Date.now() / 1000 - Number(signature![1]))).toBeLessThan(300);

    expect((await api('DELETE', `/v1/webhooks/${created.body.subscription.id}`, memberToken)).status).toBe(
      204,
    );
  });

  it('rotates a webhook secret: the next delivery is signed with the new secret and the previous one', async () => {
    const created = await api<{ subscription: { id: string }; secret: string }>(
      'POST',
      '/v1/webhooks',
      memberToken,
      {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/rotating`,
        eventTypes: ['roomledger.booking.confirmed.v1'],
      },
    );
    expect(created.status).toBe(201);
    const id = created.body.subscription.id;

    // Someone else's subscription is not found; a malformed id is refused at the edge.
    const foreign = await api<{ code: string }>('POST', `/v1/webhooks/${id}/rotate-secret`, adminToken);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('not_found');
    const malformed = await api<{ code: string }>(
      'POST',
      '/v1/webhooks/not-an-id/rotate-secret',
      memberToken,
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('validation_failed');

    const rotated = await api<{
      subscription: { id: string; status: string };
      secret: string;
      previousSecretExpiresAt: string;
    }>('POST', `/v1/webhooks/${id}/rotate-secret`, memberToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body.subscription).toMatchObject({ id, status: 'active' });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt)).toBeGreaterThan(Date.now());

    const booked = await api<{ id: string }>('POST', '/v1/bookings', memberToken, {
      roomId,
      start: '2031-02-03T11:00:00+01:00',
      end: '2031-02-03T12:00:00+01:00',
      title: 'Rotated',
    });
    expect(booked.status).toBe(201);
    const delivery = await eventually(() => {
      const found = deliveries.find(
        (entry) => entry.path === '/rotating' && entry.body.includes(booked.body.id),
      );
      if (!found) throw new Error(`no webhook delivery yet (${deliveries.length} received)`);
      return found;
    }, 30_000);
    const signature = /^t=(\d+),v1=([0-9a-f]{64}),v1=([0-9a-f]{64})$/.exec(
      String(delivery.headers['roomledger-signature']),
    );
    expect(signature).not.toBeNull();
    const hmac = (secret: string) =>
      createHmac('sha256', secret).update(`${signature![1]}.${delivery.body}`).digest('hex');
    expect(signature![2]).toBe(hmac(rotated.body.secret));
    expect(signature![3]).toBe(hmac(created.body.secret));

    expect((await api('DELETE', `/v1/webhooks/${id}`, memberToken)).status).toBe(204);
  });

  it('refuses the stream without a token', async () => {
    const response = await fetch(`${system.gatewayUrl}/v1/notifications/stream`);
    expect(response.status).toBe(401);
  });
});
