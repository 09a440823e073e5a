import { generateKeyPairSync } from 'node:crypto';

/** A `JWT_SIGNING_KEYS` value with fresh keys (Ed25519 unless asked otherwise), for tests only. */
export function testSigningKeys(...keys: { kid: string; type?: 'ed25519' | 'p256' }[]): string {
  const entries = (keys.length ? keys : [{ kid: 'test-1' }]).map(({ kid, type = 'ed25519' }) => {
    const { privateKey } =
      type === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { kid, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) };
  });
  return JSON.stringify(entries);
}
