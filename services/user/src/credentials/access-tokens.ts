import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './signing-keys';

export interface AccessTokenOptions {
  readonly keys: readonly SigningKey[];
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

/**
 * Short-lived JWT access tokens (RFC 9068 profile: `typ: at+jwt`), signed with the first configured
 * key and naming it in `kid`. Claims: `sub`, `roles`, `iss`, `aud`, `iat`, `exp`, `jti`; nothing
 * personal, so a token in a log reveals no name or address.
 */
export class AccessTokenIssuer {
  constructor(private readonly options: AccessTokenOptions) {}

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  async issue(subject: { userId: string; roles: readonly string[] }, now: Date): Promise<string> {
    const [key] = this.options.keys;
    const issuedAt = Math.floor(now.getTime() / 1000);
    return new SignJWT({ roles: [...subject.roles] })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setSubject(subject.userId)
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.options.ttlSeconds)
      .setJti(randomUUID())
      .sign(key.privateKey);
  }
}
