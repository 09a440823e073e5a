import { ValidationFailed } from '../errors';
import { parseInstant } from '../instants';
import { canonicalTimeZone } from '../room-policy';
import type { AttendeeInput } from './meeting.commands';
import {
  attendeeKey,
  participationOf,
  type Attendee,
  type AttendeeRef,
  type MeetingRoom,
  type Visibility,
} from './meeting.model';

/** Checks of caller-supplied fields; each throws `ValidationFailed` naming the field. */

export const MAX_ATTENDEES = 500;
export const MAX_REMINDERS = 10;
const MAX_REMINDER_MINUTES = 28 * 24 * 60;
const MAX_TITLE = 500;
const MAX_TEXT = 10_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const requireText = (
  value: unknown,
  field: string,
  options: { max?: number; empty?: boolean } = {},
) => {
  if (
    typeof value !== 'string' ||
    (!options.empty && value.trim() === '') ||
    value.length > (options.max ?? MAX_TITLE)
  )
    throw new ValidationFailed(
      field,
      `${options.empty ? 'a' : 'a non-empty'} string of at most ${options.max ?? MAX_TITLE}`,
    );
  return value;
};
export const requireDescription = (value: unknown, field: string) =>
  requireText(value, field, { max: MAX_TEXT, empty: true });

export const requireInstant = (value: unknown, field: string): number => {
  const ms = parseInstant(value);
  if (ms === undefined) throw new ValidationFailed(field, 'an instant with an offset');
  return ms;
};

export const requireTimeZone = (value: unknown, field: string): string => {
  const zone = canonicalTimeZone(value);
  if (zone === undefined) throw new ValidationFailed(field, 'an IANA time zone');
  return zone;
};

export const requireFlag = (value: unknown, field: string): boolean => {
  if (typeof value !== 'boolean') throw new ValidationFailed(field, 'true or false');
  return value;
};

export const requireVisibility = (value: unknown, field: string): Visibility => {
  if (value !== 'public' && value !== 'private') throw new ValidationFailed(field, 'public or private');
  return value;
};

export const requireReminders = (value: unknown, field: string): number[] => {
  const ok =
    Array.isArray(value) &&
    value.length <= MAX_REMINDERS &&
    value.every((m) => Number.isInteger(m) && m >= 0 && m <= MAX_REMINDER_MINUTES);
  if (!ok) throw new ValidationFailed(field, `at most ${MAX_REMINDERS} minutes 0..${MAX_REMINDER_MINUTES}`);
  return [...new Set(value as number[])].sort((a, b) => a - b);
};

export const requireRoom = (value: unknown, field: string): MeetingRoom => {
  const room = value as MeetingRoom | undefined;
  if (
    typeof room?.roomId !== 'string' ||
    room.roomId === '' ||
    typeof room.bookingId !== 'string' ||
    room.bookingId === ''
  )
    throw new ValidationFailed(field, 'roomId and bookingId');
  return { roomId: room.roomId, bookingId: room.bookingId };
};

export const requireRef = (value: unknown, field: string): AttendeeRef => {
  const ref = value as { userId?: unknown; email?: unknown } | undefined;
  if (
    ref?.userId !== undefined &&
    ref.email === undefined &&
    typeof ref.userId === 'string' &&
    ref.userId !== ''
  )
    return { userId: ref.userId };
  if (
    ref?.email !== undefined &&
    ref.userId === undefined &&
    typeof ref.email === 'string' &&
    EMAIL.test(ref.email)
  )
    return { email: ref.email.toLowerCase() };
  throw new ValidationFailed(field, 'either a userId or an e-mail address');
};

/**
 * The attendee list: the organizer first (always required), then the invitations in order. Whoever
 * was already invited keeps their answer; the newly invited need to answer.
 */
export const requireAttendees = (
  value: unknown,
  organizerId: string,
  previous: readonly Attendee[],
  field: string,
): Attendee[] => {
  if (!Array.isArray(value) || value.length > MAX_ATTENDEES)
    throw new ValidationFailed(field, `at most ${MAX_ATTENDEES} attendees`);
  const answers = new Map(previous.map((a) => [attendeeKey(a), participationOf(a)]));
  const organizer = attendeeKey({ userId: organizerId });
  const list: Attendee[] = [
    { userId: organizerId, required: true, ...(answers.get(organizer) ?? { response: 'accepted' }) },
  ];
  const seen = new Set([organizer]);
  (value as AttendeeInput[]).forEach((input, i) => {
    const ref = requireRef(input, `${field}[${i}]`);
    const key = attendeeKey(ref);
    if (key === organizer) return;
    if (seen.has(key)) throw new ValidationFailed(`${field}[${i}]`, 'invited twice');
    seen.add(key);
    const required =
      input.required === undefined ? true : requireFlag(input.required, `${field}[${i}].required`);
    list.push({ ...ref, required, ...(answers.get(key) ?? { response: 'needs-action' }) });
  });
  return list;
};
