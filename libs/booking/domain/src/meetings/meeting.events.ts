import type { TimeSpan } from '../errors';
import type { IsoInstant } from '../instants';
import type { Event } from '../room-schedule.events';
import type {
  Attendee,
  AttendeeRef,
  MeetingDetails,
  MeetingField,
  OccurrenceField,
  OccurrenceOverride,
  Reply,
} from './meeting.model';

/**
 * Events of a `meeting-<meetingId>` stream. Every event carries `meetingId` and `occurredAt` (the
 * command's `now`); every change by the organizer carries the new `sequence`. Scheduling and
 * whole-meeting updates carry the meeting as it is afterwards, so relays and read models need no state.
 */

interface MeetingFact {
  readonly meetingId: string;
  readonly occurredAt: IsoInstant;
}

/** Organizer changes: each one bumps the meeting's iCalendar SEQUENCE. */
interface Revision extends MeetingFact {
  readonly organizerId: string;
  readonly sequence: number;
}

export type MeetingScheduled = Event<
  'MeetingScheduled',
  MeetingDetails & { readonly scheduledBy: string; readonly occurredAt: IsoInstant }
>;

/** Scope `all` (or a single meeting), including an accepted proposal: the whole meeting afterwards. */
export type MeetingUpdated = Event<
  'MeetingUpdated',
  MeetingDetails & {
    readonly changed: readonly MeetingField[];
    /** Start, end, zone (of a series) or rule changed: the answers of everyone but the organizer were reset. */
    readonly timeChanged: boolean;
    /** To send them a cancellation. */
    readonly removedAttendees: readonly AttendeeRef[];
    readonly updatedBy: string;
    /** The attendee whose proposal the organizer accepted, when that was the change. */
    readonly proposalOf?: AttendeeRef;
    readonly occurredAt: IsoInstant;
  }
>;

/** Scope `this`: the occurrence's override as it is afterwards. */
export type OccurrenceUpdated = Event<
  'OccurrenceUpdated',
  Revision & {
    readonly override: OccurrenceOverride;
    readonly changed: readonly OccurrenceField[];
    readonly timeChanged: boolean;
    readonly updatedBy: string;
    readonly proposalOf?: AttendeeRef;
  }
>;

/** Scope `this` of a cancel: the occurrence becomes an EXDATE (its override, if any, is dropped). */
export type OccurrenceCancelled = Event<
  'OccurrenceCancelled',
  Revision &
    TimeSpan & {
      readonly originalStart: IsoInstant;
      readonly message?: string;
      readonly cancelledBy: string;
    }
>;

/**
 * Scope `following` of an edit: this series now ends before `originalStart` (UNTIL = `until`), and
 * `continuation` is the new series from there on, to be started in its own stream (`ContinueSeries`).
 */
export type SeriesSplit = Event<
  'SeriesSplit',
  Revision & {
    readonly originalStart: IsoInstant;
    readonly until: IsoInstant;
    readonly continuation: MeetingDetails;
    readonly splitBy: string;
  }
>;

/** Scope `following` of a cancel: the series ends before `originalStart`. */
export type SeriesTruncated = Event<
  'SeriesTruncated',
  Revision & {
    readonly originalStart: IsoInstant;
    readonly until: IsoInstant;
    readonly message?: string;
    readonly cancelledBy: string;
  }
>;

export type MeetingCancelled = Event<
  'MeetingCancelled',
  Revision & {
    /** Who to tell. */
    readonly attendees: readonly Attendee[];
    readonly message?: string;
    readonly cancelledBy: string;
  }
>;

/** Answers never bump the sequence: they are the attendee's, not a new version of the meeting. */
export type InvitationResponded = Event<
  'InvitationResponded',
  MeetingFact & {
    readonly attendee: AttendeeRef;
    /** Present: the answer is for this occurrence only. */
    readonly occurrenceStart?: IsoInstant;
    readonly response: Reply;
    readonly comment?: string;
    readonly proposal?: TimeSpan;
  }
>;

export type MeetingEvent =
  | MeetingScheduled
  | MeetingUpdated
  | OccurrenceUpdated
  | OccurrenceCancelled
  | SeriesSplit
  | SeriesTruncated
  | MeetingCancelled
  | InvitationResponded;
