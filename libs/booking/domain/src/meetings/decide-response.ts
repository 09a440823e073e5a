import { Forbidden, ValidationFailed, type TimeSpan } from '../errors';
import { isoOf } from '../instants';
import { contextOf, isAdmin, optional, requireSlot, spanOf } from '../room-schedule.rules';
import { meetingUpdated, occurrenceUpdated } from './decide-update';
import { reviseMeeting, reviseOccurrence } from './meeting.changes';
import type { AcceptProposal, RespondToInvitation } from './meeting.commands';
import { NotInvited, NotOrganizer, ProposalNotFound, ProposalsNotAllowed } from './meeting.errors';
import type { InvitationResponded, MeetingUpdated, OccurrenceUpdated } from './meeting.events';
import { requireRef, requireText } from './meeting.input';
import {
  attendeeKey,
  organizerKey,
  participationOf,
  refOf,
  type Attendee,
  type MeetingDetails,
  type Participation,
  type Reply,
} from './meeting.model';
import { requireMeeting, requireOccurrenceStart, sameValue } from './meeting.rules';
import { overrideAt, type MeetingState } from './meeting.state';

const REPLIES = ['accepted', 'declined', 'tentative'];
const MAX_COMMENT = 2_000;

const requireAttendee = (meeting: MeetingDetails, value: unknown): Attendee => {
  const key = attendeeKey(requireRef(value, 'attendee'));
  const attendee = meeting.attendees.find((a) => attendeeKey(a) === key);
  if (!attendee) throw new NotInvited(meeting.meetingId, key);
  return attendee;
};

/**
 * An invited attendee answers, for the meeting (or the whole series) or for one occurrence, maybe
 * proposing another time (for a series: for one occurrence). The same answer again writes nothing.
 */
export const respondToInvitation = (
  command: RespondToInvitation,
  state: MeetingState,
): InvitationResponded[] => {
  const { actor, occurredAt } = contextOf(command.metadata);
  const { meetingId, response, comment, proposal, occurrenceStart } = command.data;
  const meeting = requireMeeting(state, meetingId);
  const ref =
    command.data.attendee === undefined
      ? { userId: actor.userId }
      : requireRef(command.data.attendee, 'attendee');
  if (attendeeKey(ref) !== attendeeKey({ userId: actor.userId }) && !isAdmin(actor))
    throw new Forbidden('only an admin may answer for someone else');
  const attendee = requireAttendee(meeting, ref);
  const key = attendeeKey(attendee);
  if (!REPLIES.includes(response)) throw new ValidationFailed('response', 'accepted, declined or tentative');
  if (comment !== undefined) requireText(comment, 'comment', { max: MAX_COMMENT, empty: true });
  let proposed: TimeSpan | undefined;
  if (proposal !== undefined) {
    if (!meeting.allowProposals) throw new ProposalsNotAllowed(meetingId);
    if (key === organizerKey(meeting))
      throw new ValidationFailed('proposal', 'the organizer changes the time with UpdateMeeting');
    if (meeting.recurrence && occurrenceStart === undefined)
      throw new ValidationFailed('occurrenceStart', 'a proposal for a series names one occurrence');
    proposed = spanOf(requireSlot(proposal ?? {}, 'proposal.'));
  }
  const original =
    occurrenceStart === undefined ? undefined : isoOf(requireOccurrenceStart(meeting, occurrenceStart));
  const answer: Participation & { readonly response: Reply } = {
    response,
    ...optional('comment', comment),
    ...optional('proposal', proposed),
  };
  const current =
    original === undefined ? participationOf(attendee) : overrideAt(meeting, original).responses[key];
  const occurrenceAnswers = original === undefined && meeting.overrides.some((o) => key in o.responses);
  if (sameValue(current, answer) && !occurrenceAnswers) return [];
  return [
    {
      type: 'InvitationResponded',
      data: {
        meetingId,
        attendee: refOf(attendee),
        ...optional('occurrenceStart', original),
        ...answer,
        occurredAt,
      },
    },
  ];
};

/**
 * The organizer (only) takes an attendee's proposal: the meeting (or the occurrence) moves as if the
 * organizer had moved it (new sequence, answers reset), and the proposer has accepted the new time.
 */
export const acceptProposal = (
  command: AcceptProposal,
  state: MeetingState,
): (MeetingUpdated | OccurrenceUpdated)[] => {
  const { actor, occurredAt } = contextOf(command.metadata);
  const { meetingId, occurrenceStart } = command.data;
  const meeting = requireMeeting(state, meetingId);
  if (actor.userId !== meeting.organizerId) throw new NotOrganizer(meetingId, 'accept a proposal');
  const attendee = requireAttendee(meeting, command.data.attendee);
  const key = attendeeKey(attendee);
  const accepted: Participation = { response: 'accepted' };
  if (occurrenceStart === undefined) {
    if (!attendee.proposal) throw new ProposalNotFound(meetingId, key);
    const revision = reviseMeeting(meeting, attendee.proposal, 'proposal');
    const attendees = revision.next.attendees.map((a) =>
      attendeeKey(a) === key ? { ...refOf(a), required: a.required, ...accepted } : a,
    );
    return meetingUpdated(
      meeting,
      { ...revision, next: { ...revision.next, attendees } },
      actor,
      occurredAt,
      refOf(attendee),
    );
  }
  const original = isoOf(requireOccurrenceStart(meeting, occurrenceStart));
  const proposal = overrideAt(meeting, original).responses[key]?.proposal;
  if (!proposal) throw new ProposalNotFound(meetingId, key);
  const revision = reviseOccurrence(meeting, original, proposal, 'proposal');
  const override = { ...revision.override, responses: { ...revision.override.responses, [key]: accepted } };
  return occurrenceUpdated(meeting, { ...revision, override }, actor, occurredAt, refOf(attendee));
};
