import { ValidationFailed } from '../errors';
import { isoOf, msOf, type IsoInstant } from '../instants';
import { optional } from '../room-schedule.rules';
import type { MeetingChanges } from './meeting.commands';
import {
  requireAttendees,
  requireDescription,
  requireFlag,
  requireInstant,
  requireReminders,
  requireRoom,
  requireText,
  requireTimeZone,
  requireVisibility,
} from './meeting.input';
import {
  attendeeKey,
  organizerKey,
  refOf,
  type AttendeeRef,
  type MeetingDetails,
  type MeetingField,
  type OccurrenceField,
  type OccurrenceOverride,
  type Participation,
  type Recurrence,
} from './meeting.model';
import { resetAnswers, sameValue } from './meeting.rules';
import { detailsOf, overrideAt } from './meeting.state';
import { requireRecurrence } from './recurrence.input';
import { rekeyed } from './series.changes';

/** What an edit does to a meeting, before any event is written; `next` keeps the old sequence. */
export interface MeetingRevision {
  readonly next: MeetingDetails;
  readonly changed: readonly MeetingField[];
  readonly timeChanged: boolean;
  readonly removedAttendees: readonly AttendeeRef[];
}

export interface OccurrenceRevision {
  readonly override: OccurrenceOverride;
  readonly changed: readonly OccurrenceField[];
  readonly timeChanged: boolean;
}

const FIELDS: readonly MeetingField[] = [
  'title',
  'description',
  'start',
  'end',
  'timeZone',
  'recurrence',
  'room',
  'attendees',
  'reminderMinutes',
  'visibility',
  'allowProposals',
];
const OCCURRENCE_FIELDS: readonly OccurrenceField[] = ['start', 'end', 'title', 'description', 'room'];

const requireObject = (value: unknown, field: string): MeetingChanges => {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ValidationFailed(field, 'an object');
  return value as MeetingChanges;
};

/** A new start alone moves the meeting (same duration); a new end alone changes its length. */
const timeOf = (base: { start: IsoInstant; end: IsoInstant }, changes: MeetingChanges, field: string) => {
  const start =
    changes.start === undefined ? msOf(base.start) : requireInstant(changes.start, `${field}.start`);
  const end =
    changes.end === undefined
      ? start + msOf(base.end) - msOf(base.start)
      : requireInstant(changes.end, `${field}.end`);
  if (end <= start) throw new ValidationFailed(`${field}.end`, 'after start');
  return { start: isoOf(start), end: isoOf(end) };
};

const recurrenceOf = (
  meeting: MeetingDetails,
  changes: MeetingChanges,
  time: { start: IsoInstant; end: IsoInstant },
  timeZone: string,
  field: string,
): Recurrence | undefined => {
  if (changes.recurrence === null) return undefined;
  const input = changes.recurrence ?? meeting.recurrence;
  if (!input) return undefined;
  // A kept rule must still fit the (possibly moved) start; its EXDATEs are re-keyed below.
  const exdates = changes.recurrence === undefined ? [] : input.exdates;
  return requireRecurrence(
    { rule: input.rule, exdates },
    msOf(time.start),
    msOf(time.end),
    timeZone,
    `${field}.recurrence`,
  );
};

const shapeOf = (meeting: MeetingDetails) =>
  meeting.attendees.map((a) => ({ ...refOf(a), required: a.required }));

/** Applies an edit of the whole meeting (or the whole series); validates every field it touches. */
export const reviseMeeting = (
  meeting: MeetingDetails,
  input: unknown,
  field = 'changes',
): MeetingRevision => {
  const changes = requireObject(input, field);
  const time = timeOf(meeting, changes, field);
  const timeZone =
    changes.timeZone === undefined
      ? meeting.timeZone
      : requireTimeZone(changes.timeZone, `${field}.timeZone`);
  let recurrence = recurrenceOf(meeting, changes, time, timeZone, field);
  const timeChanged =
    time.start !== meeting.start ||
    time.end !== meeting.end ||
    !sameValue(recurrence?.rule, meeting.recurrence?.rule) ||
    (timeZone !== meeting.timeZone && (recurrence ?? meeting.recurrence) !== undefined);
  let overrides = recurrence ? meeting.overrides : [];
  if (recurrence && timeChanged) {
    const moved = rekeyed(meeting, { ...time, timeZone, recurrence });
    recurrence = { rule: recurrence.rule, exdates: changes.recurrence ? recurrence.exdates : moved.exdates };
    overrides = moved.overrides;
  } else if (recurrence && changes.recurrence === undefined) recurrence = meeting.recurrence;
  const exdates = new Set(recurrence?.exdates ?? []);
  overrides = overrides.filter((o) => !exdates.has(o.originalStart));

  const listed =
    changes.attendees === undefined
      ? meeting.attendees
      : requireAttendees(changes.attendees, meeting.organizerId, meeting.attendees, `${field}.attendees`);
  const keys = new Set(listed.map(attendeeKey));
  const removedAttendees = meeting.attendees.filter((a) => !keys.has(attendeeKey(a))).map(refOf);
  if (removedAttendees.length > 0)
    overrides = overrides.map((o) => ({
      ...o,
      responses: Object.fromEntries(Object.entries(o.responses).filter(([key]) => keys.has(key))),
    }));

  const room =
    changes.room === undefined
      ? meeting.room
      : changes.room === null
        ? undefined
        : requireRoom(changes.room, `${field}.room`);
  const next: MeetingDetails = {
    ...detailsOf({ ...meeting, room: undefined, recurrence: undefined }),
    title: changes.title === undefined ? meeting.title : requireText(changes.title, `${field}.title`),
    description:
      changes.description === undefined
        ? meeting.description
        : requireDescription(changes.description, `${field}.description`),
    attendees: timeChanged ? resetAnswers(listed, meeting.organizerId) : listed,
    ...optional('room', room),
    ...time,
    timeZone,
    ...optional('recurrence', recurrence),
    overrides,
    reminderMinutes:
      changes.reminderMinutes === undefined
        ? meeting.reminderMinutes
        : requireReminders(changes.reminderMinutes, `${field}.reminderMinutes`),
    visibility:
      changes.visibility === undefined
        ? meeting.visibility
        : requireVisibility(changes.visibility, `${field}.visibility`),
    allowProposals:
      changes.allowProposals === undefined
        ? meeting.allowProposals
        : requireFlag(changes.allowProposals, `${field}.allowProposals`),
  };
  const changed = FIELDS.filter((f) =>
    f === 'attendees' ? !sameValue(shapeOf(meeting), shapeOf(next)) : !sameValue(meeting[f], next[f]),
  );
  return { next, changed, timeChanged, removedAttendees };
};

/** Applies an edit of one occurrence (scope `this`): only its time, title, description and room. */
export const reviseOccurrence = (
  meeting: MeetingDetails,
  originalStart: IsoInstant,
  input: unknown,
  field = 'changes',
): OccurrenceRevision => {
  const changes = requireObject(input, field);
  for (const [key, value] of Object.entries(changes))
    if (value !== undefined && !(OCCURRENCE_FIELDS as readonly string[]).includes(key))
      throw new ValidationFailed(`${field}.${key}`, 'changes the whole series: use scope all or following');
  const current = overrideAt(meeting, originalStart);
  const time = timeOf(current, changes, field);
  const timeChanged = time.start !== current.start || time.end !== current.end;
  const organizer = organizerKey(meeting);
  const responses: Record<string, Participation> = timeChanged
    ? Object.fromEntries(
        meeting.attendees
          .map(attendeeKey)
          .filter((key) => key !== organizer)
          .map((key) => [key, { response: 'needs-action' }]),
      )
    : { ...current.responses };
  if (timeChanged && current.responses[organizer]) responses[organizer] = current.responses[organizer];
  const room =
    changes.room === undefined
      ? current.room
      : changes.room === null
        ? null
        : requireRoom(changes.room, `${field}.room`);
  const title = changes.title === undefined ? current.title : requireText(changes.title, `${field}.title`);
  const description =
    changes.description === undefined
      ? current.description
      : requireDescription(changes.description, `${field}.description`);
  const override: OccurrenceOverride = {
    originalStart,
    ...time,
    ...optional('title', title),
    ...optional('description', description),
    ...optional('room', room),
    responses,
  };
  const changed = OCCURRENCE_FIELDS.filter((f) => !sameValue(current[f], override[f]));
  return { override, changed, timeChanged };
};
