import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AccessTokenIssuer } from './credentials/access-tokens';
import type { PasswordHasher } from './credentials/password-hasher';
import { looksLikeRefreshToken, newRefreshToken, refreshTokenHash } from './credentials/refresh-tokens';
import {
  Forbidden,
  Unauthenticated,
  UserNotFound,
  checkPassword,
  decideRefresh,
  deactivate,
  erase,
  existing,
  isAdmin,
  register,
  requireAdmin,
  requireSelfOrAdmin,
  setRoles,
  updateProfile,
  type ActiveUser,
  type Actor,
  type DeactivatedUser,
  type ProfileChanges,
  type User,
  type UserChange,
} from './domain';
import type { Db, Outbox, RefreshTokenStore, UserStore } from './persistence/user-store';

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  /** Seconds until the refresh token expires (unless rotated or revoked first). */
  readonly refreshExpiresIn: number;
}

export type ProfileView = ActiveUser | DeactivatedUser;

export interface UserApplicationDependencies {
  readonly users: UserStore;
  readonly outbox: Outbox;
  readonly refreshTokens: RefreshTokenStore;
  readonly hasher: PasswordHasher;
  readonly accessTokens: AccessTokenIssuer;
  readonly refreshTokenTtlSeconds: number;
  readonly logger: Logger;
  readonly clock?: () => Date;
  /** Login and refresh outcomes, for metrics. */
  readonly onAuthentication?: (kind: 'login' | 'refresh', outcome: string) => void;
}

const WRONG_CREDENTIALS = 'the e-mail address or the password is wrong';
const BAD_REFRESH_TOKEN = 'the refresh token is invalid, expired or revoked; log in again';

/**
 * The user service's use cases, between the transport (gRPC) and the domain: each change loads the user
 * with its row locked, decides (pure, in ./domain), and writes the user, its tokens and its outbox events
 * in one transaction. Slow work (Argon2) happens before a transaction opens, never inside one.
 */
export class UserApplication {
  private readonly clock: () => Date;

  constructor(private readonly deps: UserApplicationDependencies) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async register(input: {
    email: unknown;
    name: unknown;
    password: unknown;
    timeZone: unknown;
  }): Promise<ActiveUser> {
    const now = this.clock();
    const change = register({
      id: randomUUID(),
      email: input.email,
      name: input.name,
      timeZone: input.timeZone,
      now,
    });
    const password = checkPassword(input.password, change.user.email);
    const passwordHash = await this.deps.hasher.hash(password);
    await this.deps.users.transaction(async (tx) => {
      await this.deps.users.insert(tx, change.user, passwordHash);
      await this.deps.outbox.append(tx, change.user.id, change.events, now);
    });
    return change.user;
  }

  /** The same answer, after the same work, for an unknown address and a wrong password. */
  async login(input: { email: unknown; password: unknown }): Promise<TokenPair> {
    const email = typeof input.email === 'string' ? input.email.trim() : '';
    const password = typeof input.password === 'string' ? input.password : '';
    const stored = email ? await this.deps.users.findByEmail(this.deps.users.pool, email) : undefined;
    const matches = await this.deps.hasher.verify(stored?.passwordHash, password);
    if (!stored || !matches) {
      this.deps.onAuthentication?.('login', 'invalid_credentials');
      throw new Unauthenticated('invalid_credentials', WRONG_CREDENTIALS);
    }
    if (stored.user.status !== 'active') {
      this.deps.onAuthentication?.('login', 'user_deactivated');
      throw new Unauthenticated('user_deactivated', 'this account is deactivated');
    }
    if (this.deps.hasher.needsRehash(stored.passwordHash!)) {
      const upgraded = await this.deps.hasher.hash(password);
      await this.deps.users.setPasswordHash(this.deps.users.pool, stored.user.id, upgraded);
    }
    const pair = await this.deps.users.transaction((tx) =>
      this.issue(tx, stored.user as ActiveUser, randomUUID()),
    );
    this.deps.onAuthentication?.('login', 'ok');
    return pair;
  }

  /**
   * Exchanges a refresh token for a new pair (rotation). Presenting a token that was already exchanged
   * revokes its whole family, so whoever holds its successor (the owner or a thief) must log in again.
   */
  async refresh(refreshToken: unknown): Promise<TokenPair> {
    if (!looksLikeRefreshToken(refreshToken))
      throw new Unauthenticated('invalid_refresh_token', BAD_REFRESH_TOKEN);
    const hash = refreshTokenHash(refreshToken);
    const now = this.clock();
    const outcome = await this.deps.users.transaction(async (tx) => {
      const token = await this.deps.refreshTokens.findForUpdate(tx, hash);
      const owner = token && (await this.deps.users.load(tx, token.userId));
      const decision = decideRefresh(token, owner?.user.status, now);
      if (decision.kind === 'reuse_detected') {
        const revoked = await this.deps.refreshTokens.revokeFamily(
          tx,
          token!.familyId,
          'reuse_detected',
          now,
        );
        this.deps.logger.warn(
          { userId: token!.userId, familyId: token!.familyId, revoked },
          'a rotated refresh token was presented again; its family is revoked',
        );
        return { kind: 'reuse_detected' as const };
      }
      if (decision.kind === 'refuse') return { kind: 'refused' as const, reason: decision.reason };
      await this.deps.refreshTokens.markRotated(tx, hash, now);
      return {
        kind: 'rotated' as const,
        pair: await this.issue(tx, owner!.user as ActiveUser, token!.familyId),
      };
    });
    if (outcome.kind === 'rotated') {
      this.deps.onAuthentication?.('refresh', 'ok');
      return outcome.pair;
    }
    if (outcome.kind === 'reuse_detected') {
      this.deps.onAuthentication?.('refresh', 'reuse_detected');
      throw new Unauthenticated('refresh_token_reused', 'this refresh token was already used; log in again');
    }
    this.deps.onAuthentication?.('refresh', outcome.reason);
    throw new Unauthenticated('invalid_refresh_token', BAD_REFRESH_TOKEN);
  }

  /** Ends the session the token belongs to (its whole family). Unknown tokens are ignored: logout always works. */
  async logout(refreshToken: unknown): Promise<void> {
    if (!looksLikeRefreshToken(refreshToken)) return;
    const now = this.clock();
    await this.deps.users.transaction(async (tx) => {
      const token = await this.deps.refreshTokens.findForUpdate(tx, refreshTokenHash(refreshToken));
      if (token) await this.deps.refreshTokens.revokeFamily(tx, token.familyId, 'logout', now);
    });
  }

  async getUser(actor: Actor, userId: string): Promise<ProfileView> {
    requireSelfOrAdmin(actor, userId);
    const stored = await this.deps.users.load(this.deps.users.pool, userId);
    if (!stored) throw new UserNotFound(userId);
    return existing(stored.user);
  }

  async updateProfile(actor: Actor, userId: string, changes: ProfileChanges): Promise<ProfileView> {
    const change = await this.change(actor, userId, 'self-or-admin', (user, _admins, now) =>
      updateProfile(user, changes, now),
    );
    return existing(change.user);
  }

  async setRoles(actor: Actor, userId: string, roles: unknown): Promise<ProfileView> {
    requireAdmin(actor);
    const change = await this.change(actor, userId, 'admin', (user, admins, now) =>
      setRoles(user, roles, admins, now),
    );
    return existing(change.user);
  }

  /** Deactivated users cannot log in or refresh; their refresh tokens are revoked at once. */
  async deactivate(actor: Actor, userId: string): Promise<ProfileView> {
    const change = await this.change(
      actor,
      userId,
      'self-or-admin',
      (user, admins, now) => deactivate(user, admins, now),
      async (tx, now) => this.deps.refreshTokens.revokeAllOf(tx, userId, 'deactivated', now),
    );
    return existing(change.user);
  }

  /**
   * Erases the user's personal data: the row keeps only its id and placeholders, refresh tokens and the
   * user's outbox rows are deleted, and `erased` tells every consumer to delete what it keeps.
   */
  async erase(actor: Actor, userId: string): Promise<{ userId: string; erasedAt: string }> {
    const change = await this.change(
      actor,
      userId,
      'self-or-admin',
      (user, admins, now) => erase(user, admins, now),
      async (tx) => {
        await this.deps.refreshTokens.deleteAllOf(tx, userId);
        await this.deps.outbox.forget(tx, userId);
      },
    );
    return { userId, erasedAt: change.user.updatedAt };
  }

  /**
   * Creates the first admin unless an active admin exists. Under the admins' advisory lock, so several
   * instances starting together create exactly one.
   */
  async ensureFirstAdmin(email: string, password: string): Promise<'created' | 'exists' | 'email_taken'> {
    const { users } = this.deps;
    if ((await users.countActiveAdmins(users.pool)) > 0) return 'exists';
    const now = this.clock();
    const change = register({
      id: randomUUID(),
      email,
      name: 'Administrator',
      timeZone: 'UTC',
      roles: ['admin', 'member'],
      now,
    });
    const passwordHash = await this.deps.hasher.hash(checkPassword(password, change.user.email));
    return users.transaction(async (tx) => {
      await users.lockAdmins(tx);
      if ((await users.countActiveAdmins(tx)) > 0) return 'exists';
      if (await users.findByEmail(tx, change.user.email)) return 'email_taken';
      await users.insert(tx, change.user, passwordHash);
      await this.deps.outbox.append(tx, change.user.id, change.events, now);
      return 'created';
    });
  }

  /**
   * One change to one user: authorise, lock the row, decide, write the user, `alsoWrite`, and the events,
   * all in one transaction. A change to an active admin also takes the admins' lock before counting the
   * other admins, so two admins demoting each other at once cannot both succeed (locks are always taken
   * in that order: the user's row, then the admins' lock).
   */
  private async change<C extends UserChange>(
    actor: Actor,
    userId: string,
    needs: 'admin' | 'self-or-admin',
    decide: (user: User, otherActiveAdmins: number, now: Date) => C,
    alsoWrite?: (tx: Db, now: Date) => Promise<void>,
  ): Promise<C> {
    if (needs === 'self-or-admin') requireSelfOrAdmin(actor, userId);
    const now = this.clock();
    return this.deps.users.transaction(async (tx) => {
      if (needs === 'admin' || actor.userId !== userId) await this.confirmAdmin(tx, actor);
      const stored = await this.deps.users.loadForUpdate(tx, userId);
      if (!stored) throw new UserNotFound(userId);
      const target = stored.user;
      // Only a change to an active admin can leave the organisation without one; only those queue here.
      if (target.status === 'active' && target.roles.includes('admin')) await this.deps.users.lockAdmins(tx);
      const otherAdmins = await this.deps.users.countActiveAdmins(tx, userId);
      const change = decide(stored.user, otherAdmins, now);
      if (change.events.length === 0) return change;
      await this.deps.users.save(tx, change.user);
      await alsoWrite?.(tx, now);
      await this.deps.outbox.append(tx, userId, change.events, now);
      return change;
    });
  }

  /** The gateway's roles come from an access token that may be minutes old: an admin must still be one. */
  private async confirmAdmin(tx: Db, actor: Actor): Promise<void> {
    const stored = isAdmin(actor) ? await this.deps.users.load(tx, actor.userId) : undefined;
    const current = stored?.user;
    if (current?.status !== 'active' || !current.roles.includes('admin'))
      throw new Forbidden('only an active admin may do this');
  }

  private async issue(tx: Db, user: ActiveUser, familyId: string): Promise<TokenPair> {
    const now = this.clock();
    const refreshToken = newRefreshToken();
    const ttl = this.deps.refreshTokenTtlSeconds;
    await this.deps.refreshTokens.insert(tx, {
      hash: refreshTokenHash(refreshToken),
      familyId,
      userId: user.id,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + ttl * 1000),
    });
    const accessToken = await this.deps.accessTokens.issue({ userId: user.id, roles: user.roles }, now);
    return { accessToken, refreshToken, expiresIn: this.deps.accessTokens.ttlSeconds, refreshExpiresIn: ttl };
  }
}
