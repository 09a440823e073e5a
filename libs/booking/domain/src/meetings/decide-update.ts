import { ValidationFailed } from '../errors';
import { isoOf, msOf } from '../instants';
import type { Actor } from '../room-schedule.commands';
import { contextOf, optional, requireId } from '../room-schedule.rules';
import {
  reviseMeeting,
  reviseOccurrence,
  type MeetingRevision,
  type OccurrenceRevision,
} from './meeting.changes';
import type { UpdateMeeting } from './meeting.commands';
import type { MeetingUpdated, OccurrenceUpdated, SeriesSplit } from './meeting.events';
import type { AttendeeRef, MeetingDetails } from './meeting.model';
import { requireMeeting, requireOccurrenceStart, requireOrganizerOrAdmin } from './meeting.rules';
import type { MeetingState } from './meeting.state';
import { continuationOf } from './series.changes';

/** Until: one second before the split occurrence (UNTIL has second precision and is inclusive). */
const SECOND_MS = 1_000;

export const meetingUpdated = (
  meeting: MeetingDetails,
  revision: MeetingRevision,
  actor: Actor,
  occurredAt: string,
  proposalOf?: AttendeeRef,
): MeetingUpdated[] =>
  revision.changed.length === 0
    ? []
    : [
        {
          type: 'MeetingUpdated',
          data: {
            ...revision.next,
            sequence: meeting.sequence + 1,
            changed: revision.changed,
            timeChanged: revision.timeChanged,
            removedAttendees: revision.removedAttendees,
            updatedBy: actor.userId,
            ...optional('proposalOf', proposalOf),
            occurredAt,
          },
        },
      ];

export const occurrenceUpdated = (
  meeting: MeetingDetails,
  revision: OccurrenceRevision,
  actor: Actor,
  occurredAt: string,
  proposalOf?: AttendeeRef,
): OccurrenceUpdated[] =>
  revision.changed.length === 0
    ? []
    : [
        {
          type: 'OccurrenceUpdated',
          data: {
            meetingId: meeting.meetingId,
            organizerId: meeting.organizerId,
            sequence: meeting.sequence + 1,
            override: revision.override,
            changed: revision.changed,
            timeChanged: revision.timeChanged,
            updatedBy: actor.userId,
            ...optional('proposalOf', proposalOf),
            occurredAt,
          },
        },
      ];

/**
 * Scope `all` edits the meeting (or the whole series); `this` one occurrence; `following` splits the
 * series (at its first occurrence, `following` is `all`). An edit that changes nothing writes nothing.
 */
export const updateMeeting = (
  command: UpdateMeeting,
  state: MeetingState,
): (MeetingUpdated | OccurrenceUpdated | SeriesSplit)[] => {
  const { actor, occurredAt } = contextOf(command.metadata);
  const { meetingId, scope = 'all', occurrenceStart, changes } = command.data;
  const meeting = requireMeeting(state, meetingId);
  requireOrganizerOrAdmin(actor, meeting, 'change the meeting');
  if (scope === 'all') return meetingUpdated(meeting, reviseMeeting(meeting, changes), actor, occurredAt);
  if (scope !== 'this' && scope !== 'following')
    throw new ValidationFailed('scope', 'all, this or following');
  const original = requireOccurrenceStart(meeting, occurrenceStart);
  if (scope === 'this')
    return occurrenceUpdated(meeting, reviseOccurrence(meeting, isoOf(original), changes), actor, occurredAt);
  if (original === msOf(meeting.start))
    return meetingUpdated(meeting, reviseMeeting(meeting, changes), actor, occurredAt);
  const newMeetingId = requireId(command.data.newMeetingId, 'newMeetingId');
  if (newMeetingId === meetingId) throw new ValidationFailed('newMeetingId', 'another meeting id');
  const revision = reviseMeeting(continuationOf(meeting, original, newMeetingId), changes);
  if (revision.changed.length === 0) return [];
  return [
    {
      type: 'SeriesSplit',
      data: {
        meetingId,
        organizerId: meeting.organizerId,
        sequence: meeting.sequence + 1,
        originalStart: isoOf(original),
        until: isoOf(original - SECOND_MS),
        continuation: revision.next,
        splitBy: actor.userId,
        occurredAt,
      },
    },
  ];
};
