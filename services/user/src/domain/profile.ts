import { WEEKDAYS, canonicalTimeZone, isClosingTime, isLocalTime } from '@roomledger/booking-domain';
import type { NotificationPreferences, Weekday, WorkingHoursSpan } from '@roomledger/contracts';
import { ValidationFailed } from './errors';

export type { NotificationPreferences, WorkingHoursSpan };

/** The roles there are; `admin` manages roles and may act on any user. */
export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** Where notifications may go (webhooks are subscriptions of their own, not a personal channel). */
export const CHANNELS = ['email', 'in-app'] as const;
export type Channel = (typeof CHANNELS)[number];

export const MAX_NAME_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 254;
/** A week: reminders further ahead than that are not reminders. */
export const MAX_REMINDER_OFFSET_MINUTES = 7 * 24 * 60;
export const MAX_REMINDERS = 5;
export const MAX_WORKING_SPANS = 21;

/** What a new user starts with until they say otherwise. */
export const DEFAULT_WORKING_HOURS: readonly WorkingHoursSpan[] = (
  ['mon', 'tue', 'wed', 'thu', 'fri'] as const
).map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
export const DEFAULT_PREFERENCES: NotificationPreferences = {
  channels: ['email', 'in-app'],
  reminderOffsetsMinutes: [15],
};

// Deliberately loose (one @, a dot in the domain, no spaces): the address is proven by mail, not by regex.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The address as given, trimmed; uniqueness is case-insensitive (see the `users` index). */
export function normalizeEmail(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new ValidationFailed('email', 'required', 'required');
  const email = value.trim();
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email))
    throw new ValidationFailed('email', 'invalid', 'not an e-mail address');
  return email;
}

export function normalizeName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new ValidationFailed('name', 'required', 'required');
  const name = value.trim();
  if ([...name].length > MAX_NAME_LENGTH || CONTROL.test(name))
    throw new ValidationFailed(
      'name',
      'invalid',
      `at most ${MAX_NAME_LENGTH} characters, no control characters`,
    );
  return name;
}

/** An IANA time zone, spelled as the time-zone database spells it (`europe/berlin` → `Europe/Berlin`). */
export function normalizeTimeZone(value: unknown): string {
  const zone = canonicalTimeZone(typeof value === 'string' ? value.trim() : value);
  if (!zone)
    throw new ValidationFailed('timeZone', 'invalid_time_zone', 'an IANA time zone such as Europe/Berlin');
  return zone;
}

/** Spans in weekday order (mon..sun), then by start; a span ending at or before its start runs past midnight. */
export function normalizeWorkingHours(value: unknown): WorkingHoursSpan[] {
  if (!Array.isArray(value)) throw new ValidationFailed('workingHours', 'invalid', 'a list of spans');
  if (value.length > MAX_WORKING_SPANS)
    throw new ValidationFailed('workingHours', 'invalid', `at most ${MAX_WORKING_SPANS} spans`);
  const spans = value.map((span: Partial<WorkingHoursSpan> | null, index): WorkingHoursSpan => {
    const field = `workingHours[${index}]`;
    if (!span || !WEEKDAYS.includes(span.weekday as Weekday))
      throw new ValidationFailed(field, 'invalid', 'weekday is one of mon..sun');
    if (!isLocalTime(span.start) || !isClosingTime(span.end) || span.start === span.end)
      throw new ValidationFailed(
        field,
        'invalid',
        'start and end are different HH:MM times (end may be 24:00)',
      );
    return { weekday: span.weekday as Weekday, start: span.start, end: span.end };
  });
  return spans.sort(
    (a, b) => WEEKDAYS.indexOf(a.weekday) - WEEKDAYS.indexOf(b.weekday) || a.start.localeCompare(b.start),
  );
}

/** Channels in a fixed order, reminder offsets ascending, duplicates dropped. */
export function normalizePreferences(value: unknown): NotificationPreferences {
  const input = (value ?? {}) as Partial<Record<keyof NotificationPreferences, unknown>>;
  const channels = input.channels ?? [];
  const offsets = input.reminderOffsetsMinutes ?? [];
  if (!Array.isArray(channels) || !channels.every((channel) => CHANNELS.includes(channel as Channel)))
    throw new ValidationFailed('preferences.channels', 'invalid', `each one of ${CHANNELS.join(', ')}`);
  if (
    !Array.isArray(offsets) ||
    !offsets.every(
      (offset) =>
        typeof offset === 'number' &&
        Number.isInteger(offset) &&
        offset >= 0 &&
        offset <= MAX_REMINDER_OFFSET_MINUTES,
    )
  )
    throw new ValidationFailed(
      'preferences.reminderOffsetsMinutes',
      'invalid',
      `whole minutes from 0 to ${MAX_REMINDER_OFFSET_MINUTES}`,
    );
  const reminders = [...new Set(offsets as number[])].sort((a, b) => a - b);
  if (reminders.length > MAX_REMINDERS)
    throw new ValidationFailed('preferences.reminderOffsetsMinutes', 'invalid', `at most ${MAX_REMINDERS}`);
  return {
    channels: CHANNELS.filter((channel) => channels.includes(channel)),
    reminderOffsetsMinutes: reminders,
  };
}

/** Known roles only, in a fixed order, duplicates dropped; an empty list is allowed (no access). */
export function normalizeRoles(value: unknown): Role[] {
  if (!Array.isArray(value) || !value.every((role) => ROLES.includes(role as Role)))
    throw new ValidationFailed('roles', 'invalid', `each one of ${ROLES.join(', ')}`);
  return ROLES.filter((role) => value.includes(role));
}
