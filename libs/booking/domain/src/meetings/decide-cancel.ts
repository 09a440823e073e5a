import { ValidationFailed } from '../errors';
import { isoOf, msOf } from '../instants';
import { contextOf, optional } from '../room-schedule.rules';
import type { CancelMeeting } from './meeting.commands';
import type { MeetingCancelled, OccurrenceCancelled, SeriesTruncated } from './meeting.events';
import { requireDescription, requireInstant } from './meeting.input';
import { requireMeeting, requireOccurrenceStart, requireOrganizerOrAdmin } from './meeting.rules';
import { overrideAt, type MeetingState } from './meeting.state';

/** Until: one second before the first occurrence cancelled (UNTIL is inclusive, second precision). */
const SECOND_MS = 1_000;

/**
 * `all` cancels the meeting (or the whole series), `this` one occurrence (an EXDATE), `following`
 * ends the series before the occurrence (at its first occurrence, the same as `all`). Cancelling
 * what is already cancelled writes nothing.
 */
export const cancelMeeting = (
  command: CancelMeeting,
  state: MeetingState,
): (MeetingCancelled | OccurrenceCancelled | SeriesTruncated)[] => {
  const { actor, occurredAt } = contextOf(command.metadata);
  const { meetingId, scope = 'all', occurrenceStart, message } = command.data;
  if (state.status === 'cancelled' && state.meetingId === meetingId) return [];
  const meeting = requireMeeting(state, meetingId);
  requireOrganizerOrAdmin(actor, meeting, 'cancel the meeting');
  if (message !== undefined) requireDescription(message, 'message');
  if (scope !== 'all' && scope !== 'this' && scope !== 'following')
    throw new ValidationFailed('scope', 'all, this or following');
  const revision = {
    meetingId,
    organizerId: meeting.organizerId,
    sequence: meeting.sequence + 1,
    ...optional('message', message),
    cancelledBy: actor.userId,
    occurredAt,
  };
  const all: MeetingCancelled = {
    type: 'MeetingCancelled',
    data: { ...revision, attendees: meeting.attendees },
  };
  if (scope === 'all') return [all];

  if (meeting.recurrence) {
    const asked = isoOf(requireInstant(occurrenceStart, 'occurrenceStart'));
    const { exdates, rule } = meeting.recurrence;
    // Repeats of an earlier cancel: the occurrence is already an EXDATE, or past the series' end.
    if (scope === 'this' && exdates.includes(asked)) return [];
    if (scope === 'following' && rule.until !== undefined && msOf(rule.until) < msOf(asked)) return [];
  }
  const original = isoOf(requireOccurrenceStart(meeting, occurrenceStart));
  if (scope === 'this') {
    const { start, end } = overrideAt(meeting, original);
    return [{ type: 'OccurrenceCancelled', data: { ...revision, originalStart: original, start, end } }];
  }
  if (original === meeting.start) return [all];
  return [
    {
      type: 'SeriesTruncated',
      data: { ...revision, originalStart: original, until: isoOf(msOf(original) - SECOND_MS) },
    },
  ];
};
