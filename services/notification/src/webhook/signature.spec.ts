import { createHmac } from 'node:crypto';
import { newWebhookSecret, signWebhook, verifyWebhook } from './signature';

const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

describe('Webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"e1"}';
  const t = 1_700_000_000;

  it('signs <timestamp>.<body> with HMAC-SHA256, and a receiver verifies within the replay window', () => {
    const header = signWebhook(secret, body, t);
    expect(header).toBe(`t=${t},v1=${hmac(secret, `${t}.${body}`)}`);
    expect(verifyWebhook(secret, body, header, t + 300)).toBe(true);
    expect(verifyWebhook(secret, body, header, t + 301)).toBe(false);
    expect(verifyWebhook('other', body, header, t)).toBe(false);
    expect(verifyWebhook(secret, `${body} `, header, t)).toBe(false);
    expect(verifyWebhook(secret, body, 'v1=00', t)).toBe(false);
  });

  describe('When the secret was rotated and the previous one is still in its grace period', () => {
    const rotated = 'whsec_new';
    const previous = 'whsec_old';

    it('carries one v1 per secret, the new one first (the Stripe convention)', () => {
      expect(signWebhook([rotated, previous], body, t)).toBe(
        `t=${t},v1=${hmac(rotated, `${t}.${body}`)},v1=${hmac(previous, `${t}.${body}`)}`,
      );
    });

    it('verifies for a receiver holding either secret, and for nobody else', () => {
      const header = signWebhook([rotated, previous], body, t);
      expect(verifyWebhook(rotated, body, header, t)).toBe(true);
      expect(verifyWebhook(previous, body, header, t)).toBe(true);
      expect(verifyWebhook('whsec_someone_else', body, header, t)).toBe(false);
      expect(verifyWebhook(previous, `${body} `, header, t)).toBe(false);
      expect(verifyWebhook(previous, body, header, t + 301)).toBe(false);
    });

    it('after the grace period signs with the new secret only: the old one no longer verifies', () => {
      const header = signWebhook([rotated], body, t);
      expect(header).toBe(signWebhook(rotated, body, t));
      expect(verifyWebhook(rotated, body, header, t)).toBe(true);
      expect(verifyWebhook(previous, body, header, t)).toBe(false);
    });
  });

  it('refuses to sign with no secret at all', () => {
    expect(() => signWebhook([], body, t)).toThrow('at least one secret');
  });

  it('makes a fresh whsec_ secret of 32 random bytes each time', () => {
    const [one, two] = [newWebhookSecret(), newWebhookSecret()];
    expect(one).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(one.slice('whsec_'.length), 'base64url')).toHaveLength(32);
    expect(one).not.toBe(two);
  });
});
