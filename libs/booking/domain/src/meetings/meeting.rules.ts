import { Forbidden, ValidationFailed } from '../errors';
import { isoOf } from '../instants';
import type { Actor } from '../room-schedule.commands';
import { isAdmin } from '../room-schedule.rules';
import { MeetingCancelledAlready, MeetingNotFound, NotOrganizer, OccurrenceNotFound } from './meeting.errors';
import { requireInstant, requireText } from './meeting.input';
import type { Attendee, MeetingDetails } from './meeting.model';
import type { MeetingState, ScheduledMeeting } from './meeting.state';
import { isOccurrence } from './recurrence';

/** The rules every meeting decision shares: lookups, authorization, answers. Input checks: meeting.input.ts. */

export const requireMeeting = (state: MeetingState, meetingId: unknown): ScheduledMeeting => {
  if (state.status === 'none' || state.meetingId !== meetingId) throw new MeetingNotFound(String(meetingId));
  if (state.status === 'cancelled') throw new MeetingCancelledAlready(state.meetingId);
  return state;
};

export const requireOrganizerOrAdmin = (actor: Actor, meeting: MeetingDetails, what: string): void => {
  if (actor.userId !== meeting.organizerId && !isAdmin(actor))
    throw new NotOrganizer(meeting.meetingId, what);
};

/** The organizer of a new meeting: the actor, or anyone when the actor is an admin. */
export const organizerFor = (actor: Actor, organizerId: unknown): string => {
  const organizer = organizerId === undefined ? actor.userId : requireText(organizerId, 'organizerId');
  if (organizer !== actor.userId && !isAdmin(actor))
    throw new Forbidden('only an admin may schedule a meeting for someone else');
  return organizer;
};

/**
 * After a change of time everyone but the organizer has to answer again: an answer was given for
 * the old time, and calendar clients do the same (RFC 5546: a new SEQUENCE resets PARTSTAT to
 * NEEDS-ACTION). The organizer's own answer stands, as they made the change.
 */
export const resetAnswers = (attendees: readonly Attendee[], organizerId: string): Attendee[] =>
  attendees.map((a) =>
    'userId' in a && a.userId === organizerId
      ? a
      : {
          ...('userId' in a ? { userId: a.userId } : { email: a.email }),
          required: a.required,
          response: 'needs-action',
        },
  );

/** Structural equality of plain JSON values, whatever the key order. */
export const sameValue = (a: unknown, b: unknown): boolean => stable(a) === stable(b);
const stable = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(stable).join(',')}]`
    : value !== null && typeof value === 'object'
      ? `{${Object.keys(value)
          .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(value);

/** The original start of an occurrence of a series (scopes `this` and `following`, one-occurrence answers). */
export const requireOccurrenceStart = (
  meeting: MeetingDetails,
  value: unknown,
  field = 'occurrenceStart',
): number => {
  if (!meeting.recurrence) throw new ValidationFailed(field, 'only a recurring meeting has occurrences');
  const originalStart = requireInstant(value, field);
  if (!isOccurrence(meeting, originalStart))
    throw new OccurrenceNotFound(meeting.meetingId, isoOf(originalStart));
  return originalStart;
};
