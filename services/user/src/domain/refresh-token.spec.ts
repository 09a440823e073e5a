import { decideRefresh, type StoredRefreshToken } from './refresh-token';

describe('Deciding a refresh', () => {
  const now = new Date('2026-03-02T09:00:00Z');
  const token: StoredRefreshToken = {
    familyId: 'f1',
    userId: 'u1',
    expiresAt: new Date('2026-03-10T09:00:00Z'),
  };

  it('rotates a live, unused token of an active user', () => {
    expect(decideRefresh(token, 'active', now)).toEqual({ kind: 'rotate' });
  });

  it('refuses a token it does not know', () => {
    expect(decideRefresh(undefined, undefined, now)).toEqual({ kind: 'refuse', reason: 'unknown' });
  });

  it('detects reuse of a rotated token, even long after it expired', () => {
    const rotated = { ...token, rotatedAt: new Date('2026-03-01T09:00:00Z') };
    expect(decideRefresh(rotated, 'active', now)).toEqual({ kind: 'reuse_detected' });
    expect(decideRefresh({ ...rotated, expiresAt: new Date('2026-03-01T10:00:00Z') }, 'active', now)).toEqual(
      {
        kind: 'reuse_detected',
      },
    );
  });

  it('refuses a revoked token without treating it as reuse again', () => {
    const revoked = { ...token, rotatedAt: now, revokedAt: now };
    expect(decideRefresh(revoked, 'active', now)).toEqual({ kind: 'refuse', reason: 'revoked' });
  });

  it('refuses an expired token (expiry is exclusive)', () => {
    expect(decideRefresh({ ...token, expiresAt: now }, 'active', now)).toEqual({
      kind: 'refuse',
      reason: 'expired',
    });
  });

  it('refuses the token of a deactivated or erased user', () => {
    expect(decideRefresh(token, 'deactivated', now)).toEqual({ kind: 'refuse', reason: 'user_inactive' });
    expect(decideRefresh(token, 'erased', now)).toEqual({ kind: 'refuse', reason: 'user_inactive' });
  });
});
