import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: 43 characters, opaque to the client. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What the database keeps instead of the token: SHA-256 of it. A plain, fast hash is right here (unlike
 * for passwords): the token is 256 random bits, so there is nothing to guess, and a stolen table yields
 * no usable token.
 */
export function refreshTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A string that cannot be one of our tokens is refused before any lookup. */
export function looksLikeRefreshToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
