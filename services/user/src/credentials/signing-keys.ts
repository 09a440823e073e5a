import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The algorithms we sign with: Ed25519 (EdDSA) or P-256 (ES256); both have small keys and signatures. */
export type SigningAlgorithm = 'EdDSA' | 'ES256';

/** A public key as the JWKS publishes it (RFC 7517). */
export interface PublicJwk {
  readonly kid: string;
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  readonly y?: string;
  readonly alg: SigningAlgorithm;
  readonly use: 'sig';
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

/**
 * Reads `JWT_SIGNING_KEYS`: a JSON array whose entries are `{kid, privateKeyPem}` (PKCS #8 PEM) or a
 * private JWK with its `kid`. The first key signs; all are published, so tokens signed with a key that
 * has just been moved down the list still verify until they expire (rotation by `kid`).
 * Throws an Error whose message names the bad entry by position and kid, never the key material.
 */
export function parseSigningKeys(json: string): SigningKey[] {
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch {
    throw new Error('not JSON: expected [{"kid": "...", "privateKeyPem": "-----BEGIN PRIVATE KEY-----..."}]');
  }
  if (!Array.isArray(entries) || entries.length === 0)
    throw new Error('expected a non-empty JSON array of keys');
  const keys = entries.map((entry: unknown, index) => signingKey(entry, index));
  const kids = keys.map((key) => key.kid);
  const repeated = kids.find((kid, index) => kids.indexOf(kid) !== index);
  if (repeated) throw new Error(`kid ${JSON.stringify(repeated)} appears twice`);
  return keys;
}

function signingKey(entry: unknown, index: number): SigningKey {
  const where = `key ${index}`;
  if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: not an object`);
  const { kid, privateKeyPem, ...jwk } = entry as { kid?: unknown; privateKeyPem?: unknown } & JsonWebKey;
  if (typeof kid !== 'string' || !/^[\w.-]{1,64}$/.test(kid))
    throw new Error(`${where}: kid must be 1..64 letters, digits, '.', '_' or '-'`);
  let privateKey: KeyObject;
  try {
    privateKey =
      typeof privateKeyPem === 'string'
        ? createPrivateKey(privateKeyPem)
        : createPrivateKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new Error(`${where} (${kid}): not a private key (PKCS #8 PEM in privateKeyPem, or a private JWK)`);
  }
  const alg = algorithmOf(privateKey);
  if (!alg) throw new Error(`${where} (${kid}): must be an Ed25519 or P-256 key`);
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { kid, kty: kty!, crv: crv!, x: x!, ...(y ? { y } : {}), alg, use: 'sig' },
  };
}

function algorithmOf(key: KeyObject): SigningAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

/** The JSON Web Key Set the gateway verifies access tokens with: every configured key's public half. */
export function jwksOf(keys: readonly SigningKey[]): { keys: PublicJwk[] } {
  return { keys: keys.map((key) => key.publicJwk) };
}
