import type { UserStatus } from './user';

/**
 * A refresh token as stored: never the token itself, only its hash (see credentials/refresh-tokens.ts).
 * Every login starts a family; each refresh retires the presented token (`rotatedAt`) and issues its
 * successor in the same family.
 */
export interface StoredRefreshToken {
  readonly familyId: string;
  readonly userId: string;
  readonly expiresAt: Date;
  /** Exchanged for a successor: presenting it again means someone else has a copy. */
  readonly rotatedAt?: Date;
  readonly revokedAt?: Date;
}

export type RefreshDecision =
  | { readonly kind: 'rotate' }
  /** The token was already exchanged: revoke the whole family, the thief's successor and the owner's alike. */
  | { readonly kind: 'reuse_detected' }
  | { readonly kind: 'refuse'; readonly reason: 'unknown' | 'revoked' | 'expired' | 'user_inactive' };

/**
 * What a refresh with this token does. Reuse is checked before expiry and user status: an old token
 * replayed long after it was rotated is still evidence of theft.
 */
export function decideRefresh(
  token: StoredRefreshToken | undefined,
  userStatus: UserStatus | undefined,
  now: Date,
): RefreshDecision {
  if (!token) return { kind: 'refuse', reason: 'unknown' };
  if (token.revokedAt) return { kind: 'refuse', reason: 'revoked' };
  if (token.rotatedAt) return { kind: 'reuse_detected' };
  if (token.expiresAt.getTime() <= now.getTime()) return { kind: 'refuse', reason: 'expired' };
  if (userStatus !== 'active') return { kind: 'refuse', reason: 'user_inactive' };
  return { kind: 'rotate' };
}
