import { isoOf } from '../instants';
import { contextOf, optional, requireId, requireSlot } from '../room-schedule.rules';
import type { ContinueSeries, ScheduleMeeting } from './meeting.commands';
import { MeetingAlreadyExists } from './meeting.errors';
import type { MeetingScheduled } from './meeting.events';
import {
  requireAttendees,
  requireDescription,
  requireFlag,
  requireReminders,
  requireRoom,
  requireText,
  requireTimeZone,
  requireVisibility,
} from './meeting.input';
import { organizerFor, sameValue } from './meeting.rules';
import type { MeetingState } from './meeting.state';
import { requireRecurrence } from './recurrence.input';

/** A new meeting: the organizer has accepted, everyone else needs to answer. */
export const scheduleMeeting = (command: ScheduleMeeting, state: MeetingState): MeetingScheduled[] => {
  const { actor, occurredAt } = contextOf(command.metadata);
  const data = command.data;
  const meetingId = requireId(data.meetingId, 'meetingId');
  if (state.status !== 'none') throw new MeetingAlreadyExists(meetingId);
  const organizerId = organizerFor(actor, data.organizerId);
  const title = requireText(data.title, 'title');
  const slot = requireSlot(data);
  const timeZone = requireTimeZone(data.timeZone, 'timeZone');
  const recurrence =
    data.recurrence === undefined
      ? undefined
      : requireRecurrence(data.recurrence, slot.start, slot.end, timeZone, 'recurrence');
  return [
    {
      type: 'MeetingScheduled',
      data: {
        meetingId,
        organizerId,
        title,
        description:
          data.description === undefined ? '' : requireDescription(data.description, 'description'),
        attendees: requireAttendees(data.attendees, organizerId, [], 'attendees'),
        ...optional('room', data.room === undefined ? undefined : requireRoom(data.room, 'room')),
        start: isoOf(slot.start),
        end: isoOf(slot.end),
        timeZone,
        ...optional('recurrence', recurrence),
        overrides: [],
        reminderMinutes: requireReminders(data.reminderMinutes ?? [], 'reminderMinutes'),
        visibility: requireVisibility(data.visibility ?? 'public', 'visibility'),
        allowProposals: requireFlag(data.allowProposals ?? true, 'allowProposals'),
        sequence: 0,
        scheduledBy: actor.userId,
        occurredAt,
      },
    },
  ];
};

/**
 * The series a `SeriesSplit` carries, started in its own stream. At least once: a repeat finds the
 * same continuation and writes nothing; any other meeting under that id is a conflict.
 */
export const continueSeries = (command: ContinueSeries, state: MeetingState): MeetingScheduled[] => {
  const { occurredAt } = contextOf(command.metadata);
  const { continuation, splitBy } = command.data.split;
  if (state.status === 'none')
    return [{ type: 'MeetingScheduled', data: { ...continuation, scheduledBy: splitBy, occurredAt } }];
  if (sameValue(state.splitFrom, continuation.splitFrom)) return [];
  throw new MeetingAlreadyExists(continuation.meetingId);
};
