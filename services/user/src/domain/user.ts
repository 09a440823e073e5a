import type { EventPayloads, UserEventPayload, UserEventType } from '@roomledger/contracts';
import { Forbidden, LastAdmin, UserNotFound } from './errors';
import {
  DEFAULT_PREFERENCES,
  DEFAULT_WORKING_HOURS,
  normalizeEmail,
  normalizeName,
  normalizePreferences,
  normalizeRoles,
  normalizeTimeZone,
  normalizeWorkingHours,
  type NotificationPreferences,
  type Role,
  type WorkingHoursSpan,
} from './profile';

/** What a user tells about themselves (and what admins decide: roles). Personal data, erased on request. */
export interface Profile {
  readonly email: string;
  readonly name: string;
  readonly timeZone: string;
  readonly workingHours: readonly WorkingHoursSpan[];
  readonly preferences: NotificationPreferences;
  readonly roles: readonly Role[];
}

interface UserBase {
  readonly id: string;
  /** 1 at registration, one more with each event. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type ActiveUser = UserBase & Profile & { readonly status: 'active' };
/** Cannot sign in or refresh; the data stays until erased. */
export type DeactivatedUser = UserBase & Profile & { readonly status: 'deactivated' };
/** Only the id is left. */
export type ErasedUser = UserBase & { readonly status: 'erased' };
export type User = ActiveUser | DeactivatedUser | ErasedUser;
export type UserStatus = User['status'];

/** A public event as the outbox stores it: the `user.events.v1` type name and its payload. */
export type UserEvent = {
  [N in UserEventType]: { readonly name: N; readonly payload: EventPayloads['user.events.v1'][N] };
}[UserEventType];

/** A decision's outcome: the user after it, and the events that say what changed (none: nothing did). */
export interface UserChange<U extends User = User> {
  readonly user: U;
  readonly events: readonly UserEvent[];
}

/** Who is acting: from the gateway's metadata, confirmed against the stored user where it matters. */
export interface Actor {
  readonly userId: string;
  readonly roles: readonly string[];
}

export const isAdmin = (actor: Actor): boolean => actor.roles.includes('admin');

/** Admins act on anyone; everybody else only on themselves. */
export function requireSelfOrAdmin(actor: Actor, userId: string): void {
  if (actor.userId !== userId && !isAdmin(actor))
    throw new Forbidden('only an admin may do this for someone else');
}

export function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new Forbidden('only an admin may do this');
}

export interface RegisterInput {
  readonly id: string;
  readonly email: unknown;
  readonly name: unknown;
  readonly timeZone: unknown;
  readonly roles?: readonly Role[];
  readonly now: Date;
}

/** Validates everything a registration names (the password is checked, and hashed, by the caller). */
export function register(input: RegisterInput): UserChange<ActiveUser> {
  const at = input.now.toISOString();
  const user: ActiveUser = {
    id: input.id,
    status: 'active',
    version: 1,
    createdAt: at,
    updatedAt: at,
    email: normalizeEmail(input.email),
    name: normalizeName(input.name),
    timeZone: normalizeTimeZone(input.timeZone),
    workingHours: DEFAULT_WORKING_HOURS,
    preferences: DEFAULT_PREFERENCES,
    roles: input.roles ?? ['member'],
  };
  return { user, events: [{ name: 'registered', payload: payloadOf(user) }] };
}

export interface ProfileChanges {
  readonly name?: unknown;
  readonly timeZone?: unknown;
  readonly workingHours?: unknown;
  readonly preferences?: unknown;
}

/**
 * `updated` when the name, time zone or working hours change, `preferences-changed` when the
 * preferences do (both, in that order, when both do); nothing when nothing changes.
 */
export function updateProfile(current: User, changes: ProfileChanges, now: Date): UserChange {
  const user = existing(current);
  const profile = {
    name: changes.name === undefined ? user.name : normalizeName(changes.name),
    timeZone: changes.timeZone === undefined ? user.timeZone : normalizeTimeZone(changes.timeZone),
    workingHours:
      changes.workingHours === undefined ? user.workingHours : normalizeWorkingHours(changes.workingHours),
  };
  const preferences =
    changes.preferences === undefined ? user.preferences : normalizePreferences(changes.preferences);
  let change: UserChange = { user, events: [] };
  if (!same(profile, { name: user.name, timeZone: user.timeZone, workingHours: user.workingHours }))
    change = next(change, 'updated', profile, now);
  if (!same(preferences, user.preferences))
    change = next(change, 'preferences-changed', { preferences }, now);
  return change;
}

/**
 * Admins only. `otherActiveAdmins` counts the active admins besides this user: taking the role from the
 * last one is refused, or nobody could grant roles again.
 */
export function setRoles(current: User, roles: unknown, otherActiveAdmins: number, now: Date): UserChange {
  const user = existing(current);
  const wanted = normalizeRoles(roles);
  if (same(wanted, user.roles)) return { user, events: [] };
  if (
    user.status === 'active' &&
    user.roles.includes('admin') &&
    !wanted.includes('admin') &&
    otherActiveAdmins === 0
  )
    throw new LastAdmin();
  return next({ user, events: [] }, 'roles-changed', { roles: wanted }, now);
}

/** Deactivating twice changes nothing the second time. */
export function deactivate(current: User, otherActiveAdmins: number, now: Date): UserChange {
  const user = existing(current);
  if (user.status === 'deactivated') return { user, events: [] };
  if (user.roles.includes('admin') && otherActiveAdmins === 0) throw new LastAdmin();
  return next({ user, events: [] }, 'deactivated', { status: 'deactivated' }, now);
}

/** Replaces everything personal; `erased` carries only the id. Erasing twice changes nothing the second time. */
export function erase(current: User, otherActiveAdmins: number, now: Date): UserChange<ErasedUser> {
  if (current.status === 'erased') return { user: current, events: [] };
  if (current.status === 'active' && current.roles.includes('admin') && otherActiveAdmins === 0)
    throw new LastAdmin();
  const at = now.toISOString();
  const user: ErasedUser = {
    id: current.id,
    status: 'erased',
    version: current.version + 1,
    createdAt: current.createdAt,
    updatedAt: at,
  };
  return { user, events: [{ name: 'erased', payload: { userId: user.id, occurredAt: at } }] };
}

/** The public payload of every event but `erased`: the whole profile after the change. */
export function payloadOf(user: ActiveUser | DeactivatedUser): UserEventPayload {
  return {
    userId: user.id,
    version: user.version,
    occurredAt: user.updatedAt,
    email: user.email,
    name: user.name,
    timeZone: user.timeZone,
    workingHours: user.workingHours.map((span) => ({ ...span })),
    roles: [...user.roles],
    preferences: {
      channels: [...user.preferences.channels],
      reminderOffsetsMinutes: [...user.preferences.reminderOffsetsMinutes],
    },
    deactivated: user.status === 'deactivated',
  };
}

/** An erased user is gone as far as every use case is concerned. */
export function existing(user: User): ActiveUser | DeactivatedUser {
  if (user.status === 'erased') throw new UserNotFound(user.id);
  return user;
}

type ProfileUpdate = Partial<Profile> & { readonly status?: 'deactivated' };

function next(
  change: UserChange,
  name: Exclude<UserEventType, 'registered' | 'erased'>,
  update: ProfileUpdate,
  now: Date,
): UserChange {
  const before = existing(change.user);
  const user = {
    ...before,
    ...update,
    version: before.version + 1,
    updatedAt: now.toISOString(),
  } as ActiveUser | DeactivatedUser;
  const payload = payloadOf(user);
  const event =
    name === 'deactivated'
      ? { name, payload: { ...payload, deactivated: true as const } }
      : { name, payload };
  return { user, events: [...change.events, event] };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
