import type { IsoInstant } from '../instants';
import type { Command } from '../room-schedule.commands';
import type { SeriesSplit } from './meeting.events';
import type { AttendeeRef, MeetingRoom, RecurrenceRule, Reply, Visibility } from './meeting.model';

/** Commands carry the same metadata as the room schedule's: `{commandId, actor, now}`. */

/** An invitation: `required` defaults to true. */
export type AttendeeInput = AttendeeRef & { readonly required?: boolean };

export interface RecurrenceInput {
  readonly rule: RecurrenceRule;
  /** EXDATE: starts of generated occurrences that do not happen. */
  readonly exdates?: readonly IsoInstant[];
}

export type ScheduleMeeting = Command<
  'ScheduleMeeting',
  {
    readonly meetingId: string;
    readonly title: string;
    readonly description?: string;
    /** Defaults to the actor; anyone else only when the actor is an admin. */
    readonly organizerId?: string;
    /** The organizer is added (required, accepted) when missing. */
    readonly attendees: readonly AttendeeInput[];
    /** Held in the room schedule before this command (reservation pattern). */
    readonly room?: MeetingRoom;
    readonly start: IsoInstant;
    readonly end: IsoInstant;
    readonly timeZone: string;
    /** The start must be the rule's first occurrence. */
    readonly recurrence?: RecurrenceInput;
    readonly reminderMinutes?: readonly number[];
    /** Default `public`. */
    readonly visibility?: Visibility;
    /** Default true. */
    readonly allowProposals?: boolean;
  }
>;

/**
 * What an edit may change; an absent field stays as it is, `null` removes (room, recurrence).
 * `attendees` is the whole new list: attendees kept keep their answers.
 */
export interface MeetingChanges {
  readonly title?: string;
  readonly description?: string;
  readonly start?: IsoInstant;
  readonly end?: IsoInstant;
  readonly timeZone?: string;
  readonly recurrence?: RecurrenceInput | null;
  readonly room?: MeetingRoom | null;
  readonly attendees?: readonly AttendeeInput[];
  readonly reminderMinutes?: readonly number[];
  readonly visibility?: Visibility;
  readonly allowProposals?: boolean;
}

/**
 * `all` (the default) edits the meeting or the whole series; `this` one occurrence (start, end,
 * title, description, room); `following` splits the series at the occurrence.
 */
export type EditScope = 'all' | 'this' | 'following';

export type UpdateMeeting = Command<
  'UpdateMeeting',
  {
    readonly meetingId: string;
    readonly scope?: EditScope;
    /** `this`/`following`: the occurrence's original start (as the rule generated it). */
    readonly occurrenceStart?: IsoInstant;
    /** `following`: the id of the series split off (the caller chooses ids, never the domain). */
    readonly newMeetingId?: string;
    readonly changes: MeetingChanges;
  }
>;

export type CancelMeeting = Command<
  'CancelMeeting',
  {
    readonly meetingId: string;
    readonly scope?: EditScope;
    readonly occurrenceStart?: IsoInstant;
    /** Sent to the attendees with the cancellation. */
    readonly message?: string;
  }
>;

export type RespondToInvitation = Command<
  'RespondToInvitation',
  {
    readonly meetingId: string;
    /**
     * Defaults to the actor. Anyone else (e.g. an e-mail guest answering through a link the service
     * verified) only when the actor is an admin.
     */
    readonly attendee?: AttendeeRef;
    /** Answers one occurrence of a series instead of the whole series. */
    readonly occurrenceStart?: IsoInstant;
    readonly response: Reply;
    readonly comment?: string;
    /** A new time for the meeting (for a series: for the occurrence named). */
    readonly proposal?: { readonly start: IsoInstant; readonly end: IsoInstant };
  }
>;

export type AcceptProposal = Command<
  'AcceptProposal',
  {
    readonly meetingId: string;
    readonly attendee: AttendeeRef;
    readonly occurrenceStart?: IsoInstant;
  }
>;

/**
 * Starts the series a `following` edit split off, in its own stream: sent by the process that reacts
 * to `SeriesSplit` (at least once; a repeat is a no-op). Not authorized here: the split was.
 */
export type ContinueSeries = Command<'ContinueSeries', { readonly split: SeriesSplit['data'] }>;

export type MeetingCommand =
  ScheduleMeeting | UpdateMeeting | CancelMeeting | RespondToInvitation | AcceptProposal | ContinueSeries;
