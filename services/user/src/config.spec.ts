import { loadConfig } from '@roomledger/config';
import { configSchema } from './config';
import { testSigningKeys } from './user.fixtures';

describe('The user service configuration', () => {
  const keys = testSigningKeys({ kid: 'k1' });

  it('needs signing keys: there is no built-in one', () => {
    expect(() => loadConfig(configSchema, {})).toThrow(/JWT_SIGNING_KEYS \(unset\)/);
    expect(() =>
      loadConfig(configSchema, { JWT_SIGNING_KEYS: '[{"kid":"k1","privateKeyPem":"nope"}]' }),
    ).toThrow(/JWT_SIGNING_KEYS \(set\): key 0 \(k1\): not a private key/);
  });

  it('has working defaults otherwise, and creates no admin unless told to', () => {
    const config = loadConfig(configSchema, { JWT_SIGNING_KEYS: keys });
    expect(config).toMatchObject({
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 2_592_000,
      JWT_ISSUER: 'roomledger',
      JWT_AUDIENCE: 'roomledger',
      USER_EVENTS_TOPIC: 'user.events.v1',
    });
    expect(config.ROOMLEDGER_ADMIN_EMAIL).toBeUndefined();
    expect(config.JWT_SIGNING_KEYS.map((key) => key.kid)).toEqual(['k1']);
  });

  it('wants both admin variables or neither, and a password the policy accepts, never echoing it', () => {
    const env = { JWT_SIGNING_KEYS: keys, ROOMLEDGER_ADMIN_EMAIL: 'root@example.org' };
    expect(() => loadConfig(configSchema, env)).toThrow(/ROOMLEDGER_ADMIN_PASSWORD \(unset\): set both/);
    expect(() => loadConfig(configSchema, { ...env, ROOMLEDGER_ADMIN_PASSWORD: 'password123' })).toThrow(
      /ROOMLEDGER_ADMIN_PASSWORD \(set\): too weak \(too common\)/,
    );
    expect(() =>
      loadConfig(configSchema, { ...env, ROOMLEDGER_ADMIN_PASSWORD: 'a long admin passphrase' }),
    ).not.toThrow();
  });

  it('publishes the user feed to the topic it is given, if that is a topic name', () => {
    expect(
      loadConfig(configSchema, { JWT_SIGNING_KEYS: keys, USER_EVENTS_TOPIC: 'test.user.events.v1.x1' }),
    ).toMatchObject({ USER_EVENTS_TOPIC: 'test.user.events.v1.x1' });
    expect(() =>
      loadConfig(configSchema, { JWT_SIGNING_KEYS: keys, USER_EVENTS_TOPIC: 'user events' }),
    ).toThrow(/USER_EVENTS_TOPIC/);
  });

  it('keeps refresh tokens longer than access tokens', () => {
    expect(() =>
      loadConfig(configSchema, {
        JWT_SIGNING_KEYS: keys,
        ACCESS_TOKEN_TTL_SECONDS: '600',
        REFRESH_TOKEN_TTL_SECONDS: '600',
      }),
    ).toThrow(/REFRESH_TOKEN_TTL_SECONDS/);
  });
});
