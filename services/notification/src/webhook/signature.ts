import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The headers every webhook delivery carries (see the README). */
export const WebhookHeaders = {
  signature: 'Roomledger-Signature',
  eventId: 'Roomledger-Event-Id',
  eventType: 'Roomledger-Event-Type',
  deliveryId: 'Roomledger-Delivery-Id',
  position: 'Roomledger-Position',
} as const;

/** Receivers reject a signature whose timestamp is further than this from their clock (replay window). */
export const REPLAY_WINDOW_SECONDS = 5 * 60;

/** A fresh signing secret: `whsec_` and 32 random bytes, base64url. Shown to the owner once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`, with one `v1` per
 * secret in the order given: after a rotation the new secret's first, then the previous one's until its
 * grace period ends, so a receiver still holding the old secret keeps verifying (any `v1` may match).
 */
export function signWebhook(secrets: string | readonly string[], body: string, unixSeconds: number): string {
  const macs = (typeof secrets === 'string' ? [secrets] : secrets).map(
    (secret) => `v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`,
  );
  if (macs.length === 0) throw new Error('a webhook is signed with at least one secret');
  return `t=${unixSeconds},${macs.join(',')}`;
}

/**
 * What a receiver does (exported for the tests and as the reference in the README): the signature
 * matches (any `v1`, constant-time) and its timestamp is within the replay window of `nowSeconds`.
 */
export function verifyWebhook(
  secret: string,
  body: string,
  header: string,
  nowSeconds: number,
  windowSeconds = REPLAY_WINDOW_SECONDS,
): boolean {
  const parts = header.split(',').map((part) => part.trim().split('=') as [string, string?]);
  const t = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > windowSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, body, t).split('v1=')[1]!, 'hex');
  return parts
    .filter(([key, value]) => key === 'v1' && value !== undefined)
    .some(([, value]) => {
      const given = Buffer.from(value!, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
