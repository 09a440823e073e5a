import { isoOf, msOf, type IsoInstant } from '../instants';
import type { MeetingEvent } from './meeting.events';
import {
  attendeeKey,
  type MeetingDetails,
  type OccurrenceOverride,
  type Participation,
  refOf,
} from './meeting.model';

export type ScheduledMeeting = MeetingDetails & { readonly status: 'scheduled' };
export type CancelledMeeting = MeetingDetails & { readonly status: 'cancelled' };
export type MeetingState = { readonly status: 'none' } | ScheduledMeeting | CancelledMeeting;

export const initialMeetingState = (): MeetingState => ({ status: 'none' });

/** The meeting fields of an event that carries the whole meeting, without the event's own fields. */
export const detailsOf = (data: MeetingDetails): MeetingDetails => ({
  meetingId: data.meetingId,
  organizerId: data.organizerId,
  title: data.title,
  description: data.description,
  attendees: data.attendees,
  ...(data.room ? { room: data.room } : {}),
  start: data.start,
  end: data.end,
  timeZone: data.timeZone,
  ...(data.recurrence ? { recurrence: data.recurrence } : {}),
  overrides: data.overrides,
  reminderMinutes: data.reminderMinutes,
  visibility: data.visibility,
  allowProposals: data.allowProposals,
  sequence: data.sequence,
  ...(data.splitFrom ? { splitFrom: data.splitFrom } : {}),
});

const byOriginalStart = (a: OccurrenceOverride, b: OccurrenceOverride) =>
  msOf(a.originalStart) - msOf(b.originalStart);

export const withOverride = (
  overrides: readonly OccurrenceOverride[],
  override: OccurrenceOverride,
): OccurrenceOverride[] =>
  [...overrides.filter((o) => o.originalStart !== override.originalStart), override].sort(byOriginalStart);

/** The override of an occurrence, or a blank one at the time the rule gives it. */
export const overrideAt = (meeting: MeetingDetails, originalStart: IsoInstant): OccurrenceOverride =>
  meeting.overrides.find((o) => o.originalStart === originalStart) ?? {
    originalStart,
    start: originalStart,
    end: isoOf(msOf(originalStart) + msOf(meeting.end) - msOf(meeting.start)),
    responses: {},
  };

/** The series ends before `originalStart`: UNTIL replaces COUNT; later exceptions go. */
const truncated = (meeting: MeetingDetails, originalStart: IsoInstant, until: IsoInstant): MeetingDetails => {
  if (!meeting.recurrence) return meeting;
  const split = msOf(originalStart);
  const { count: _count, ...rule } = meeting.recurrence.rule;
  return {
    ...meeting,
    recurrence: {
      rule: { ...rule, until },
      exdates: meeting.recurrence.exdates.filter((x) => msOf(x) < split),
    },
    overrides: meeting.overrides.filter((o) => msOf(o.originalStart) < split),
  };
};

const answered = (meeting: MeetingDetails, event: Extract<MeetingEvent, { type: 'InvitationResponded' }>) => {
  const { attendee, occurrenceStart, response, comment, proposal } = event.data;
  const key = attendeeKey(attendee);
  const participation: Participation = {
    response,
    ...(comment !== undefined ? { comment } : {}),
    ...(proposal !== undefined ? { proposal } : {}),
  };
  if (occurrenceStart !== undefined) {
    const override = overrideAt(meeting, occurrenceStart);
    return {
      ...meeting,
      overrides: withOverride(meeting.overrides, {
        ...override,
        responses: { ...override.responses, [key]: participation },
      }),
    };
  }
  // An answer for the whole series replaces that attendee's answers for single occurrences.
  return {
    ...meeting,
    attendees: meeting.attendees.map((a) =>
      attendeeKey(a) === key ? { ...refOf(a), required: a.required, ...participation } : a,
    ),
    overrides: meeting.overrides.map((o) =>
      key in o.responses
        ? { ...o, responses: Object.fromEntries(Object.entries(o.responses).filter(([k]) => k !== key)) }
        : o,
    ),
  };
};

/** Pure: returns new objects, never changes the state it gets. */
export const evolveMeeting = (state: MeetingState, event: MeetingEvent): MeetingState => {
  if (event.type === 'MeetingScheduled') return { status: 'scheduled', ...detailsOf(event.data) };
  if (state.status === 'none') return state;
  const { status } = state;
  switch (event.type) {
    case 'MeetingUpdated':
      return { status, ...detailsOf(event.data) };
    case 'OccurrenceUpdated':
      return {
        ...state,
        sequence: event.data.sequence,
        overrides: withOverride(state.overrides, event.data.override),
      };
    case 'OccurrenceCancelled': {
      const { originalStart, sequence } = event.data;
      if (!state.recurrence) return state;
      const exdates = [...state.recurrence.exdates, originalStart].sort((a, b) => msOf(a) - msOf(b));
      return {
        ...state,
        sequence,
        recurrence: { ...state.recurrence, exdates },
        overrides: state.overrides.filter((o) => o.originalStart !== originalStart),
      };
    }
    case 'SeriesSplit':
    case 'SeriesTruncated':
      return {
        status,
        ...truncated(state, event.data.originalStart, event.data.until),
        sequence: event.data.sequence,
      };
    case 'MeetingCancelled':
      return { ...state, status: 'cancelled', sequence: event.data.sequence };
    case 'InvitationResponded':
      return { status, ...answered(state, event) };
    default: {
      const unhandled: never = event;
      throw new Error(`Meeting cannot evolve with ${(unhandled as { type: string }).type}`);
    }
  }
};
