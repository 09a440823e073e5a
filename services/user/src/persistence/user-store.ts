import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import type { Pool, PoolClient } from 'pg';
import {
  EmailTaken,
  type NotificationPreferences,
  type Role,
  type StoredRefreshToken,
  type User,
  type UserEvent,
  type WorkingHoursSpan,
} from '../domain';
import { SCHEMA } from './schema';

/** A pool or a client inside a transaction. */
export type Db = Pick<PoolClient, 'query'>;

interface UserRow {
  id: string;
  email: string;
  name: string;
  time_zone: string;
  password_hash: string | null;
  roles: Role[];
  working_hours: WorkingHoursSpan[];
  preferences: NotificationPreferences;
  status: User['status'];
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface StoredUser {
  readonly user: User;
  readonly passwordHash: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

/** What an erased row keeps: placeholders that satisfy the constraints and say nothing about the person. */
const erasedColumns = (id: string) => ({
  email: `erased+${id}@invalid`,
  name: '',
  time_zone: 'UTC',
  roles: [] as Role[],
  working_hours: [] as WorkingHoursSpan[],
  preferences: { channels: [], reminderOffsetsMinutes: [] } as NotificationPreferences,
});

/** The `users` table, state-stored: one row per user, its version bumped with each event. */
export class UserStore {
  constructor(readonly pool: Pool) {}

  /** Runs `work` in one transaction: everything it writes (user, tokens, outbox) commits together or not at all. */
  async transaction<T>(work: (tx: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async insert(tx: Db, user: User, passwordHash: string): Promise<void> {
    try {
      await tx.query(
        `insert into ${SCHEMA}.users
           (id, email, name, time_zone, password_hash, roles, working_hours, preferences, status, version, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [user.id, ...this.columns(user, passwordHash)],
      );
    } catch (error) {
      if ((error as { constraint?: string }).constraint === 'users_email_key') throw new EmailTaken();
      throw error;
    }
  }

  /** Writes the user as the decision left it (scrubbed placeholders for an erased one). */
  async save(tx: Db, user: User): Promise<void> {
    const [email, name, timeZone, , roles, workingHours, preferences, status, version, , updatedAt] =
      this.columns(user, null);
    await tx.query(
      `update ${SCHEMA}.users set email = $2, name = $3, time_zone = $4, roles = $5, working_hours = $6,
         preferences = $7, status = $8, version = $9, updated_at = $10,
         password_hash = case when $8 = 'erased' then null else password_hash end
       where id = $1`,
      [user.id, email, name, timeZone, roles, workingHours, preferences, status, version, updatedAt],
    );
  }

  async setPasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
    await db.query(`update ${SCHEMA}.users set password_hash = $2 where id = $1 and status <> 'erased'`, [
      userId,
      passwordHash,
    ]);
  }

  /** The user, with its row locked until the transaction ends when `tx` is a transaction. */
  async loadForUpdate(tx: Db, userId: string): Promise<StoredUser | undefined> {
    if (!isUuid(userId)) return undefined;
    const { rows } = await tx.query<UserRow>(`select * from ${SCHEMA}.users where id = $1 for update`, [
      userId,
    ]);
    return rows[0] && stored(rows[0]);
  }

  async load(db: Db, userId: string): Promise<StoredUser | undefined> {
    if (!isUuid(userId)) return undefined;
    const { rows } = await db.query<UserRow>(`select * from ${SCHEMA}.users where id = $1`, [userId]);
    return rows[0] && stored(rows[0]);
  }

  async findByEmail(db: Db, email: string): Promise<StoredUser | undefined> {
    const { rows } = await db.query<UserRow>(`select * from ${SCHEMA}.users where lower(email) = lower($1)`, [
      email,
    ]);
    return rows[0] && stored(rows[0]);
  }

  /**
   * Serialises every decision that could change who the active admins are (role changes, deactivation,
   * erasure, the first admin), so two admins demoting each other at once cannot both succeed.
   */
  async lockAdmins(tx: Db): Promise<void> {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`roomledger.${SCHEMA}:admins`]);
  }

  async countActiveAdmins(db: Db, except?: string): Promise<number> {
    const { rows } = await db.query<{ count: string }>(
      `select count(*) from ${SCHEMA}.users where status = 'active' and 'admin' = any (roles) and id <> $1`,
      [except ?? '00000000-0000-0000-0000-000000000000'],
    );
    return Number(rows[0].count);
  }

  private columns(user: User, passwordHash: string | null) {
    const profile = user.status === 'erased' ? erasedColumns(user.id) : undefined;
    const source =
      user.status === 'erased'
        ? profile!
        : {
            email: user.email,
            name: user.name,
            time_zone: user.timeZone,
            roles: user.roles,
            working_hours: user.workingHours,
            preferences: user.preferences,
          };
    return [
      source.email,
      source.name,
      source.time_zone,
      passwordHash,
      [...source.roles],
      JSON.stringify(source.working_hours),
      JSON.stringify(source.preferences),
      user.status,
      user.version,
      user.createdAt,
      user.updatedAt,
    ] as const;
  }
}

function stored(row: UserRow): StoredUser {
  const base = {
    id: row.id,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
  const user: User =
    row.status === 'erased'
      ? { ...base, status: 'erased' }
      : {
          ...base,
          status: row.status,
          email: row.email,
          name: row.name,
          timeZone: row.time_zone,
          roles: row.roles,
          workingHours: row.working_hours,
          preferences: row.preferences,
        };
  return { user, passwordHash: row.password_hash };
}

/**
 * The transactional outbox: each event is written in the transaction of the change it reports, with the
 * request's trace context, and published by the relay once committed (see outbox/outbox-relay.ts).
 */
export class Outbox {
  async append(tx: Db, userId: string, events: readonly UserEvent[], at: Date): Promise<void> {
    if (events.length === 0) return;
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    for (const event of events) {
      await tx.query(
        `insert into ${SCHEMA}.outbox (id, user_id, type, payload, traceparent, tracestate, created_at)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [
          randomUUID(),
          userId,
          event.name,
          JSON.stringify(event.payload),
          carrier.traceparent ?? null,
          carrier.tracestate ?? null,
          at,
        ],
      );
    }
  }

  /**
   * Erasure: the outbox must not keep personal data either. Published rows are deleted; so are pending
   * ones, since the `erased` event written after them tells every consumer to delete them anyway.
   */
  async forget(tx: Db, userId: string): Promise<void> {
    await tx.query(`delete from ${SCHEMA}.outbox where user_id = $1`, [userId]);
  }
}

interface RefreshTokenRow {
  family_id: string;
  user_id: string;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

/** `refresh_tokens`: hashes only, grouped in families (one per login). */
export class RefreshTokenStore {
  async insert(
    tx: Db,
    token: { hash: Buffer; familyId: string; userId: string; issuedAt: Date; expiresAt: Date },
  ): Promise<void> {
    await tx.query(
      `insert into ${SCHEMA}.refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at)
       values ($1, $2, $3, $4, $5)`,
      [token.hash, token.familyId, token.userId, token.issuedAt, token.expiresAt],
    );
  }

  /** Locks the token's row: two refreshes with one token are decided one after the other. */
  async findForUpdate(tx: Db, hash: Buffer): Promise<StoredRefreshToken | undefined> {
    const { rows } = await tx.query<RefreshTokenRow>(
      `select family_id, user_id, expires_at, rotated_at, revoked_at
         from ${SCHEMA}.refresh_tokens where token_hash = $1 for update`,
      [hash],
    );
    const row = rows[0];
    return (
      row && {
        familyId: row.family_id,
        userId: row.user_id,
        expiresAt: row.expires_at,
        ...(row.rotated_at ? { rotatedAt: row.rotated_at } : {}),
        ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
      }
    );
  }

  async markRotated(tx: Db, hash: Buffer, at: Date): Promise<void> {
    await tx.query(`update ${SCHEMA}.refresh_tokens set rotated_at = $2 where token_hash = $1`, [hash, at]);
  }

  async revokeFamily(tx: Db, familyId: string, reason: string, at: Date): Promise<number> {
    const result = await tx.query(
      `update ${SCHEMA}.refresh_tokens set revoked_at = $2, revoked_reason = $3
        where family_id = $1 and revoked_at is null`,
      [familyId, at, reason],
    );
    return result.rowCount ?? 0;
  }

  async revokeAllOf(tx: Db, userId: string, reason: string, at: Date): Promise<void> {
    await tx.query(
      `update ${SCHEMA}.refresh_tokens set revoked_at = $2, revoked_reason = $3
        where user_id = $1 and revoked_at is null`,
      [userId, at, reason],
    );
  }

  async deleteAllOf(tx: Db, userId: string): Promise<void> {
    await tx.query(`delete from ${SCHEMA}.refresh_tokens where user_id = $1`, [userId]);
  }
}
