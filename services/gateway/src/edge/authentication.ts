import type { Caller } from '@roomledger/service-runtime';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ProblemError } from './problem';

/**
 * Verifies access tokens with the user service's public keys. The key set is fetched from its JWKS
 * endpoint and cached; a token signed with an unknown `kid` makes it fetch again (at most every 30 s),
 * so a rotated key is picked up without a restart.
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    jwksUrl: string,
    private readonly claims: { issuer: string; audience: string },
  ) {
    this.keys = createRemoteJWKSet(new URL(jwksUrl), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 2_000,
    });
  }

  /** The caller of `Authorization: Bearer <token>`; `unauthenticated` for anything else. */
  async verify(authorization: string | undefined): Promise<Caller> {
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!token) throw new ProblemError('unauthenticated', 'send Authorization: Bearer <access token>');
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.claims.issuer,
        audience: this.claims.audience,
        algorithms: ['EdDSA', 'ES256'],
      });
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((role): role is string => typeof role === 'string')
        : [];
      if (!payload.sub) throw new ProblemError('unauthenticated', 'the access token has no subject');
      return { userId: payload.sub, roles };
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        throw new ProblemError('unavailable', 'the signing keys could not be fetched; retry');
      }
      const detail =
        error instanceof errors.JWTExpired
          ? 'the access token has expired; refresh it'
          : 'the access token is not valid';
      throw new ProblemError('unauthenticated', detail);
    }
  }
}

export const isAdmin = (caller: Caller): boolean => caller.roles.includes('admin');
