import { outboxTableLag } from '@roomledger/messaging';
import { trackLag, type ServiceMetrics } from '@roomledger/observability';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { UserConfig } from './config';
import { AccessTokenIssuer } from './credentials/access-tokens';
import { PasswordHasher } from './credentials/password-hasher';
import { jwksOf, type PublicJwk } from './credentials/signing-keys';
import { OutboxRelay } from './outbox/outbox-relay';
import { migrate, SCHEMA } from './persistence/schema';
import { Outbox, RefreshTokenStore, UserStore } from './persistence/user-store';
import { UserApplication } from './user.application';

/**
 * Everything the user service runs besides its transports: the schema (migrated at start-up), the use
 * cases, the first admin, and the outbox relay. Started after Nest is up, stopped before its clients close.
 */
export class UserRuntime {
  private constructor(
    readonly application: UserApplication,
    readonly relay: OutboxRelay,
    private readonly config: UserConfig,
    private readonly logger: Logger,
  ) {}

  static async create(deps: {
    config: UserConfig;
    pool: Pool;
    kafka: Kafka;
    logger: Logger;
    metrics: ServiceMetrics;
  }): Promise<UserRuntime> {
    const { config, logger } = deps;
    await migrate(deps.pool);
    const metrics = userMetrics(deps.metrics);
    const application = new UserApplication({
      users: new UserStore(deps.pool),
      outbox: new Outbox(),
      refreshTokens: new RefreshTokenStore(),
      hasher: new PasswordHasher(),
      accessTokens: new AccessTokenIssuer({
        keys: config.JWT_SIGNING_KEYS,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      }),
      refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
      logger: logger.child({ component: 'users' }),
      onAuthentication: (kind, outcome) => metrics.authentications.inc({ kind, outcome }),
    });
    const relay = new OutboxRelay({
      pool: deps.pool,
      kafka: deps.kafka,
      topic: config.USER_EVENTS_TOPIC,
      logger,
      onPublished: (count) => metrics.published.inc(count),
    });
    // Read from the outbox table, whichever instance publishes it.
    trackLag(deps.metrics.registry, 'relay', 'user-events', () =>
      outboxTableLag(deps.pool, `${SCHEMA}.outbox`),
    );
    return new UserRuntime(application, relay, config, logger);
  }

  async start(): Promise<void> {
    const email = this.config.ROOMLEDGER_ADMIN_EMAIL;
    const password = this.config.ROOMLEDGER_ADMIN_PASSWORD;
    if (email && password) {
      const outcome = await this.application.ensureFirstAdmin(email, password);
      if (outcome === 'created') this.logger.info('first admin created from ROOMLEDGER_ADMIN_EMAIL');
      if (outcome === 'email_taken')
        this.logger.error(
          'no active admin, and ROOMLEDGER_ADMIN_EMAIL belongs to a user who is not one: nobody was made admin',
        );
    }
    this.relay.start();
  }

  async stop(): Promise<void> {
    await this.relay.stop();
  }

  /** The public half of every configured signing key. */
  jwks(): { keys: PublicJwk[] } {
    return jwksOf(this.config.JWT_SIGNING_KEYS);
  }
}

interface UserMetrics {
  published: Counter;
  authentications: Counter<'kind' | 'outcome'>;
}

function userMetrics(metrics: ServiceMetrics): UserMetrics {
  return {
    published: new Counter({
      name: 'user_outbox_published_total',
      help: 'user.events.v1 messages Kafka acknowledged from the outbox',
      registers: [metrics.registry],
    }),
    authentications: new Counter({
      name: 'user_authentications_total',
      help: 'Logins and refreshes by outcome (ok, invalid_credentials, user_deactivated, reuse_detected, ...)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [metrics.registry],
    }),
  };
}
