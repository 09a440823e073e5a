import { dataEnv, env, serviceEnv } from '@roomledger/config';
import { z } from 'zod';
import { parseSigningKeys } from './credentials/signing-keys';
import { passwordWeakness } from './domain/password-policy';

const DAY_SECONDS = 86_400;

export const configSchema = z
  .object({
    ...serviceEnv({ httpPort: 3103, grpcPort: 50103 }),
    DATABASE_URL: dataEnv.DATABASE_URL(),
    KAFKA_BROKERS: dataEnv.KAFKA_BROKERS(),
    /** Where the user feed is published (read by booking's user directory and notification's intake). */
    USER_EVENTS_TOPIC: dataEnv.topic('user.events.v1'),
    /**
     * The first admin, created at start-up when no admin exists (both or neither). Unset: nobody is
     * created. The README gives the local defaults (infra/local/services.json, docker-compose.yml).
     */
    ROOMLEDGER_ADMIN_EMAIL: z.email().optional(),
    ROOMLEDGER_ADMIN_PASSWORD: z.string().optional(),
    /**
     * The access-token signing keys: a JSON array of `{kid, privateKeyPem}` (Ed25519 or P-256, PKCS #8
     * PEM) or private JWKs with a `kid`. The first signs; all are published in the JWKS. Required: there
     * is no built-in key. The one in infra/local and docker-compose.yml is for local use only.
     */
    JWT_SIGNING_KEYS: z.string().transform((value, context) => {
      try {
        return parseSigningKeys(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
    /** `iss` of the access tokens; the gateway checks it. */
    JWT_ISSUER: z.string().min(1).default('roomledger'),
    /** `aud` of the access tokens; the gateway checks it. */
    JWT_AUDIENCE: z.string().min(1).default('roomledger'),
    ACCESS_TOKEN_TTL_SECONDS: env.positiveInt(900).pipe(z.number().max(DAY_SECONDS, 'at most one day')),
    REFRESH_TOKEN_TTL_SECONDS: env.positiveInt(30 * DAY_SECONDS),
  })
  .superRefine((config, context) => {
    const email = config.ROOMLEDGER_ADMIN_EMAIL;
    const password = config.ROOMLEDGER_ADMIN_PASSWORD;
    if ((email === undefined) !== (password === undefined)) {
      const missing = email === undefined ? 'ROOMLEDGER_ADMIN_EMAIL' : 'ROOMLEDGER_ADMIN_PASSWORD';
      context.addIssue({ code: 'custom', path: [missing], message: 'set both admin variables, or neither' });
    }
    const weakness = email && password ? passwordWeakness(password, email) : undefined;
    if (weakness)
      context.addIssue({
        code: 'custom',
        path: ['ROOMLEDGER_ADMIN_PASSWORD'],
        message: `too weak (${weakness.replace('_', ' ')})`,
      });
    if (config.REFRESH_TOKEN_TTL_SECONDS <= config.ACCESS_TOKEN_TTL_SECONDS)
      context.addIssue({
        code: 'custom',
        path: ['REFRESH_TOKEN_TTL_SECONDS'],
        message: 'must be longer than ACCESS_TOKEN_TTL_SECONDS',
      });
  });
export type UserConfig = z.infer<typeof configSchema>;
