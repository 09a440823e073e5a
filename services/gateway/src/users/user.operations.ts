import { z } from 'zod';
import { operation } from '../edge/operation';
import { atLeastOneField, clockTime, id, text, timeZone, utc } from '../edge/schemas';

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const workingHours = z.array(z.object({ weekday, start: clockTime(), end: clockTime(true) })).max(50);
const preferences = z
  .object({
    channels: z.array(z.enum(['email', 'in-app'])).max(2),
    reminderOffsetsMinutes: z.array(z.int().min(0).max(10_080)).max(5),
  })
  .meta({ id: 'Preferences' });
const email = z.email().max(254).meta({ example: 'ada@example.com' });

export const user = z
  .object({
    id: id('The user'),
    email: z.string(),
    name: z.string(),
    timeZone: z.string(),
    workingHours,
    preferences,
    roles: z.array(z.enum(['admin', 'member'])),
    status: z.enum(['active', 'deactivated']),
    version: z.int(),
    createdAt: utc('Registered'),
    updatedAt: utc('Last change'),
  })
  .meta({ id: 'User' });

const userExample = {
  id: '7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  timeZone: 'Europe/Berlin',
  workingHours: [{ weekday: 'mon', start: '09:00', end: '17:00' }],
  preferences: { channels: ['email'], reminderOffsetsMinutes: [1440, 60, 15] },
  roles: ['member'],
  status: 'active',
  version: 1,
  createdAt: '2026-11-22T17:00:00Z',
  updatedAt: '2026-11-22T17:00:00Z',
};

const tokens = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.int().meta({ description: 'Seconds until the access token expires' }),
    tokenType: z.literal('Bearer'),
    refreshExpiresIn: z.int().meta({ description: 'Seconds until the refresh token expires' }),
  })
  .meta({ id: 'Tokens' });
const tokensExample = {
  accessToken: 'eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9...',
  refreshToken: 'rt_...',
  expiresIn: 900,
  tokenType: 'Bearer',
  refreshExpiresIn: 2592000,
};

export const register = operation({
  id: 'register',
  method: 'post',
  path: '/v1/auth/register',
  tag: 'auth',
  summary: 'Create an account',
  description: 'The password: at least 10 characters, not one of the most common, not the e-mail address.',
  access: 'public',
  rateLimit: 'auth',
  body: z
    .object({
      email,
      name: text(200, 1).trim(),
      password: z
        .string()
        .min(10)
        .max(1_024)
        .meta({ description: 'At least 10 characters, not a common password, not the e-mail address' }),
      timeZone,
    })
    .strict(),
  requestExample: {
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    password: 'analytical-engine-1843',
    timeZone: 'Europe/London',
  },
  success: {
    status: 201,
    description: 'Registered',
    schema: z
      .object({ id: id('The user'), email: z.string(), name: z.string(), timeZone: z.string() })
      .meta({ id: 'Registered' }),
    example: {
      id: userExample.id,
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      timeZone: 'Europe/London',
    },
  },
  errors: ['already_exists'],
});

export const login = operation({
  id: 'login',
  method: 'post',
  path: '/v1/auth/login',
  tag: 'auth',
  summary: 'Sign in: an access token and a refresh token',
  access: 'public',
  rateLimit: 'auth',
  body: z.object({ email, password: z.string().min(1).max(1_024) }).strict(),
  requestExample: { email: 'ada@example.com', password: 'analytical-engine-1843' },
  success: { status: 200, description: 'Signed in', schema: tokens, example: tokensExample },
  errors: ['unauthenticated'],
});

export const refresh = operation({
  id: 'refreshTokens',
  method: 'post',
  path: '/v1/auth/refresh',
  tag: 'auth',
  summary: 'A new token pair; the refresh token sent is spent',
  description: 'Sending a spent refresh token again ends the whole session (reuse detection).',
  access: 'public',
  rateLimit: 'auth',
  body: z.object({ refreshToken: z.string().min(1).max(512) }).strict(),
  requestExample: { refreshToken: 'rt_...' },
  success: { status: 200, description: 'Refreshed', schema: tokens, example: tokensExample },
  errors: ['unauthenticated'],
});

export const logout = operation({
  id: 'logout',
  method: 'post',
  path: '/v1/auth/logout',
  tag: 'auth',
  summary: "End the refresh token's session",
  access: 'public',
  rateLimit: 'auth',
  body: z.object({ refreshToken: z.string().min(1).max(512) }).strict(),
  requestExample: { refreshToken: 'rt_...' },
  success: { status: 204, description: 'Signed out' },
  errors: [],
});

export const getMe = operation({
  id: 'getMe',
  method: 'get',
  path: '/v1/users/me',
  tag: 'users',
  summary: 'My profile',
  access: 'member',
  success: { status: 200, description: 'The profile', schema: user, example: userExample, etag: true },
  errors: ['not_found'],
});

const profileChange = atLeastOneField(
  z
    .object({
      name: text(200, 1).trim().optional(),
      timeZone: timeZone.optional(),
      workingHours: workingHours.optional().meta({ description: 'Replaces all working hours' }),
      preferences: preferences.optional(),
    })
    .strict(),
);

export const updateMe = operation({
  id: 'updateMe',
  method: 'patch',
  path: '/v1/users/me',
  tag: 'users',
  summary: 'Change my profile: name, time zone, working hours, notification preferences',
  access: 'member',
  body: profileChange,
  requestExample: {
    timeZone: 'America/New_York',
    preferences: { channels: ['email', 'in-app'], reminderOffsetsMinutes: [60, 10] },
  },
  success: { status: 200, description: 'Changed', schema: user, example: userExample, etag: true },
  errors: ['not_found'],
});

const erased = z.object({ userId: id('The user'), erasedAt: utc('When') }).meta({ id: 'Erased' });

export const eraseMe = operation({
  id: 'eraseMe',
  method: 'delete',
  path: '/v1/users/me',
  tag: 'users',
  summary: 'Erase my account: personal data replaced, sessions ended',
  access: 'member',
  success: { status: 200, description: 'Erased', schema: erased },
  errors: ['not_found', 'last_admin'],
});

const userParams = z.object({ userId: id('The user') });

export const getUser = operation({
  id: 'getUser',
  method: 'get',
  path: '/v1/users/{userId}',
  tag: 'users',
  summary: 'A user (myself, or anyone for an admin)',
  access: 'member',
  params: userParams,
  success: { status: 200, description: 'The user', schema: user, example: userExample, etag: true },
  errors: ['not_found', 'forbidden'],
});

export const updateUser = operation({
  id: 'updateUser',
  method: 'patch',
  path: '/v1/users/{userId}',
  tag: 'users',
  summary: "Change a user's profile (myself, or anyone for an admin)",
  access: 'member',
  params: userParams,
  body: profileChange,
  requestExample: { workingHours: [{ weekday: 'mon', start: '08:00', end: '16:00' }] },
  success: { status: 200, description: 'Changed', schema: user, example: userExample, etag: true },
  errors: ['not_found', 'forbidden'],
});

export const setRoles = operation({
  id: 'setUserRoles',
  method: 'put',
  path: '/v1/users/{userId}/roles',
  tag: 'users',
  summary: "Replace a user's roles (admins)",
  access: 'admin',
  params: userParams,
  body: z
    .object({
      roles: z
        .array(z.enum(['admin', 'member']))
        .min(1)
        .max(2),
    })
    .strict(),
  requestExample: { roles: ['admin', 'member'] },
  success: {
    status: 200,
    description: 'Changed',
    schema: user,
    example: { ...userExample, roles: ['admin', 'member'] },
    etag: true,
  },
  errors: ['not_found', 'last_admin'],
});

export const deactivateUser = operation({
  id: 'deactivateUser',
  method: 'post',
  path: '/v1/users/{userId}/deactivate',
  tag: 'users',
  summary: 'Deactivate a user (myself, or anyone for an admin): no more logins or refreshes',
  access: 'member',
  params: userParams,
  success: {
    status: 200,
    description: 'Deactivated',
    schema: user,
    example: { ...userExample, status: 'deactivated' },
    etag: true,
  },
  errors: ['not_found', 'forbidden', 'last_admin'],
});

export const eraseUser = operation({
  id: 'eraseUser',
  method: 'delete',
  path: '/v1/users/{userId}',
  tag: 'users',
  summary: 'Erase a user (myself, or anyone for an admin)',
  access: 'member',
  params: userParams,
  success: { status: 200, description: 'Erased', schema: erased },
  errors: ['not_found', 'forbidden', 'last_admin'],
});
