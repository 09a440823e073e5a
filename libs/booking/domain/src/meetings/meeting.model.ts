import type { TimeSpan } from '../errors';
import { isoOf, type IsoInstant } from '../instants';
import type { Weekday } from '../opening-hours';

/** The values a meeting is made of. Plain objects and ISO strings only: a snapshot is `JSON.stringify(state)`. */

/** An internal user by id, or an external guest by e-mail (stored lower-case). */
export type AttendeeRef = { readonly userId: string } | { readonly email: string };

/** iCalendar's PARTSTAT, as the API spells it. */
export type ResponseStatus = 'needs-action' | 'accepted' | 'declined' | 'tentative';
export type Reply = Exclude<ResponseStatus, 'needs-action'>;

export interface Participation {
  readonly response: ResponseStatus;
  readonly comment?: string;
  /** A new time the attendee asked for; cleared by any change of the time it was about. */
  readonly proposal?: TimeSpan;
}

/** The organizer is always one of them: required, and `accepted` when the meeting is scheduled. */
export type Attendee = AttendeeRef & Participation & { readonly required: boolean };

/** The room and the booking (for a series: the room schedule's `seriesId`) that holds it. */
export interface MeetingRoom {
  readonly roomId: string;
  readonly bookingId: string;
}

export type Visibility = 'public' | 'private';

export type Frequency = 'daily' | 'weekly' | 'monthly' | 'yearly';

/**
 * An RFC 5545 RRULE, in the meeting's local time (its `timeZone`). Without `byWeekday`/`byMonthDay`/
 * `byMonth` the start supplies them (weekly on the start's weekday, monthly on its day, ...).
 */
export interface RecurrenceRule {
  readonly frequency: Frequency;
  /** INTERVAL, default 1. */
  readonly interval?: number;
  /** BYDAY. Weekly: the days. Monthly/yearly: with `weekdayPosition`, e.g. the 2nd Tuesday. */
  readonly byWeekday?: readonly Weekday[];
  /** 1..5 or -1..-5 (-1 = the last), applied to every day in `byWeekday` (BYDAY=2TU). */
  readonly weekdayPosition?: number;
  /** BYMONTHDAY, 1..31 or -31..-1; a month without that day is skipped, as RFC 5545 says. */
  readonly byMonthDay?: readonly number[];
  /** BYMONTH, 1..12 (yearly). */
  readonly byMonth?: readonly number[];
  /** COUNT, counted before EXDATEs are removed (RFC 5545). Not together with `until`. */
  readonly count?: number;
  /** UNTIL, inclusive: the last occurrence starts at or before this instant. */
  readonly until?: IsoInstant;
}

export interface Recurrence {
  readonly rule: RecurrenceRule;
  /** EXDATE: original starts of occurrences that do not happen, ascending. */
  readonly exdates: readonly IsoInstant[];
}

/** One occurrence changed on its own (scope `this`), keyed by the start the rule gave it. */
export interface OccurrenceOverride {
  readonly originalStart: IsoInstant;
  readonly start: IsoInstant;
  readonly end: IsoInstant;
  readonly title?: string;
  readonly description?: string;
  /** `null`: this occurrence has no room although the series has one. */
  readonly room?: MeetingRoom | null;
  /** Answers for this occurrence only, by attendee key; everyone else answered for the series. */
  readonly responses: Readonly<Record<string, Participation>>;
}

/** Which series this one continues after a `following` edit split it off. */
export interface SplitOrigin {
  readonly meetingId: string;
  readonly originalStart: IsoInstant;
}

/** A meeting as events carry it and state keeps it. For a series, `start`/`end` are the first occurrence's. */
export interface MeetingDetails {
  readonly meetingId: string;
  readonly organizerId: string;
  readonly title: string;
  readonly description: string;
  readonly attendees: readonly Attendee[];
  readonly room?: MeetingRoom;
  readonly start: IsoInstant;
  readonly end: IsoInstant;
  /** The organizer's IANA zone: a series repeats at the same wall-clock time there. */
  readonly timeZone: string;
  readonly recurrence?: Recurrence;
  /** Sorted by `originalStart`; empty for a single meeting. */
  readonly overrides: readonly OccurrenceOverride[];
  /** Minutes before the start, ascending. */
  readonly reminderMinutes: readonly number[];
  readonly visibility: Visibility;
  readonly allowProposals: boolean;
  /** iCalendar SEQUENCE: 0 when scheduled, one more with every change by the organizer. */
  readonly sequence: number;
  readonly splitFrom?: SplitOrigin;
}

/** The fields a `MeetingUpdated` names in `changed`. */
export type MeetingField =
  | 'title'
  | 'description'
  | 'start'
  | 'end'
  | 'timeZone'
  | 'recurrence'
  | 'room'
  | 'attendees'
  | 'reminderMinutes'
  | 'visibility'
  | 'allowProposals';

export type OccurrenceField = 'start' | 'end' | 'title' | 'description' | 'room';

export const attendeeKey = (ref: AttendeeRef): string =>
  'userId' in ref ? `user:${ref.userId}` : `email:${ref.email.toLowerCase()}`;

/** The reference alone, without participation: what events name an attendee by. */
export const refOf = (ref: AttendeeRef): AttendeeRef =>
  'userId' in ref ? { userId: ref.userId } : { email: ref.email };

export const organizerKey = (meeting: Pick<MeetingDetails, 'organizerId'>): string =>
  attendeeKey({ userId: meeting.organizerId });

export const participationOf = (attendee: Participation): Participation => ({
  response: attendee.response,
  ...(attendee.comment !== undefined ? { comment: attendee.comment } : {}),
  ...(attendee.proposal !== undefined ? { proposal: attendee.proposal } : {}),
});

/** Instants as sorted, distinct canonical strings. */
export const sortedInstants = (list: readonly number[]): IsoInstant[] =>
  [...new Set(list)].sort((a, b) => a - b).map(isoOf);
