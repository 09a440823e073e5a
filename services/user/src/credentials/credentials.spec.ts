import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { testSigningKeys } from '../user.fixtures';
import { AccessTokenIssuer } from './access-tokens';
import { PasswordHasher } from './password-hasher';
import { looksLikeRefreshToken, newRefreshToken, refreshTokenHash } from './refresh-tokens';
import { jwksOf, parseSigningKeys } from './signing-keys';

describe('Signing keys', () => {
  it('reads Ed25519 and P-256 keys, signs with the first and publishes all by kid', async () => {
    const keys = parseSigningKeys(testSigningKeys({ kid: 'new' }, { kid: 'old', type: 'p256' }));
    expect(keys.map((key) => [key.kid, key.alg])).toEqual([
      ['new', 'EdDSA'],
      ['old', 'ES256'],
    ]);
    const jwks = jwksOf(keys);
    expect(jwks.keys).toEqual([
      { kid: 'new', kty: 'OKP', crv: 'Ed25519', x: expect.any(String), alg: 'EdDSA', use: 'sig' },
      {
        kid: 'old',
        kty: 'EC',
        crv: 'P-256',
        x: expect.any(String),
        y: expect.any(String),
        alg: 'ES256',
        use: 'sig',
      },
    ]);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"|PRIVATE/);

    const issuer = new AccessTokenIssuer({
      keys,
      issuer: 'roomledger',
      audience: 'roomledger',
      ttlSeconds: 900,
    });
    const now = new Date();
    const token = await issuer.issue({ userId: 'u1', roles: ['member'] }, now);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: 'new', typ: 'at+jwt' });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: 'roomledger',
      audience: 'roomledger',
    });
    const iat = Math.floor(now.getTime() / 1000);
    expect(payload).toEqual({
      sub: 'u1',
      roles: ['member'],
      iss: 'roomledger',
      aud: 'roomledger',
      iat,
      exp: iat + 900,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('reads a private JWK as well as a PEM', () => {
    const [pem] = parseSigningKeys(testSigningKeys({ kid: 'a' }));
    const jwk = pem.privateKey.export({ format: 'jwk' });
    const [fromJwk] = parseSigningKeys(JSON.stringify([{ ...jwk, kid: 'b' }]));
    expect(fromJwk.publicJwk.x).toBe(pem.publicJwk.x);
  });

  it.each([
    ['not json', /not JSON/],
    ['[]', /non-empty/],
    ['[{"privateKeyPem":"x"}]', /key 0: kid/],
    [
      '[{"kid":"a","privateKeyPem":"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----"}]',
      /key 0 \(a\): not a private key/,
    ],
  ])('refuses %s, naming the entry but no key material', (value, message) => {
    expect(() => parseSigningKeys(value)).toThrow(message);
  });

  it('refuses an RSA key and a repeated kid', () => {
    const twice = JSON.parse(testSigningKeys({ kid: 'same' }, { kid: 'same' }));
    expect(() => parseSigningKeys(JSON.stringify(twice))).toThrow(/appears twice/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(() => parseSigningKeys(JSON.stringify([{ kid: 'rsa', privateKeyPem: rsa }]))).toThrow(
      /Ed25519 or P-256/,
    );
  });
});

describe('Refresh tokens', () => {
  it('are 256 random bits in base64url, different every time', () => {
    const tokens = Array.from({ length: 100 }, newRefreshToken);
    expect(new Set(tokens).size).toBe(100);
    expect(tokens.every(looksLikeRefreshToken)).toBe(true);
    expect(Buffer.from(tokens[0], 'base64url')).toHaveLength(32);
  });

  it('are stored as their SHA-256, which is stable and reveals nothing of the token', () => {
    const token = newRefreshToken();
    expect(refreshTokenHash(token).equals(refreshTokenHash(token))).toBe(true);
    expect(refreshTokenHash(token)).toHaveLength(32);
    expect(refreshTokenHash(token).toString('base64url')).not.toBe(token);
  });

  it('refuses anything that cannot be one before a lookup', () => {
    expect(looksLikeRefreshToken('short')).toBe(false);
    expect(looksLikeRefreshToken(`${newRefreshToken()}x`)).toBe(false);
    expect(looksLikeRefreshToken(42)).toBe(false);
  });
});

describe('Password hashes', () => {
  const hasher = new PasswordHasher();

  it('are Argon2id with the configured parameters and a fresh salt, and verify only the right password', async () => {
    const first = await hasher.hash('analytical-engine');
    const second = await hasher.hash('analytical-engine');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(first).not.toBe(second);
    expect(await hasher.verify(first, 'analytical-engine')).toBe(true);
    expect(await hasher.verify(first, 'difference-engine')).toBe(false);
    expect(hasher.needsRehash(first)).toBe(false);
  });

  it('say no for a missing hash, after doing the same work', async () => {
    expect(await hasher.verify(undefined, 'anything at all')).toBe(false);
    expect(await hasher.verify(null, 'anything at all')).toBe(false);
  });

  it('ask for a re-hash when made with other parameters', () => {
    expect(
      hasher.needsRehash(
        '$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA',
      ),
    ).toBe(true);
    expect(hasher.needsRehash('not a hash')).toBe(true);
  });
});
