import type { AttendeeResponse, RecurrenceRulePayload, Weekday } from '@roomledger/contracts';
import { ContractViolation, PayloadReader } from './payload';

/**
 * The service's copy of a meeting, kept from `meeting.events.v1` (the events of one occurrence or an
 * answer do not carry the attendees, so who hears of them comes from here). Mirrors the public
 * `MeetingPayload`; `revision` is the meeting stream's, so a replayed older event changes nothing.
 */

export type { AttendeeResponse, Weekday };
const RESPONSES: readonly AttendeeResponse[] = ['needs-action', 'accepted', 'declined', 'tentative'];

/** An invited person: an internal user (`user:<id>`) or an external guest (`email:<address>`). */
export interface MeetingAttendee {
  /** `user:<id>` or `email:<lower-case address>`: the key of per-occurrence answers. */
  readonly key: string;
  readonly userId?: string;
  readonly email?: string;
  readonly required: boolean;
  readonly response: AttendeeResponse;
}

/** The rule as the feed carries it (RFC 5545 in the meeting's local time). */
export type RecurrenceRule = RecurrenceRulePayload;

export interface MeetingRecurrence {
  readonly rule: RecurrenceRule;
  /** Original starts of cancelled occurrences (UTC). */
  readonly exdates: readonly string[];
  /** The rule as RRULE text (what invitations carry). */
  readonly rrule: string;
}

/** One occurrence changed or answered on its own, keyed by its original start (RECURRENCE-ID). */
export interface MeetingOverride {
  readonly originalStart: string;
  readonly start: string;
  readonly end: string;
  readonly title?: string;
  readonly description?: string;
  /** Answers for this occurrence only, by attendee key. */
  readonly responses: Readonly<Record<string, { readonly response: AttendeeResponse }>>;
}

export interface MeetingFacts {
  readonly meetingId: string;
  readonly organizerId: string;
  readonly title: string;
  readonly description: string;
  /** Everyone invited, the organizer first. */
  readonly attendees: readonly MeetingAttendee[];
  readonly room?: { readonly roomId: string; readonly bookingId: string };
  /** Of a series: the first occurrence. */
  readonly start: string;
  readonly end: string;
  /** IANA zone: the series' rule and the invitation's DTSTART are in it. */
  readonly timeZone: string;
  readonly recurrence?: MeetingRecurrence;
  readonly overrides: readonly MeetingOverride[];
  /** Reminders the organizer set for everyone (empty: each person's own). */
  readonly reminderMinutes: readonly number[];
  /** iCalendar SEQUENCE: rises with every change by the organizer. */
  readonly sequence: number;
  readonly status: 'scheduled' | 'cancelled';
  /** The meeting stream's revision of the last event applied. */
  readonly revision: number;
}

export function attendeeKey(ref: { readonly userId?: string; readonly email?: string }): string {
  return ref.userId !== undefined ? `user:${ref.userId}` : `email:${ref.email!.toLowerCase()}`;
}

/** An attendee reference (`{userId}` or `{email}`; when both are given, the user wins). */
export function readAttendeeRef(reader: PayloadReader): { userId?: string; email?: string; key: string } {
  const userId = reader.optionalString('userId');
  const email = reader.optionalString('email')?.toLowerCase();
  if (userId !== undefined) return { userId, key: attendeeKey({ userId }) };
  if (email !== undefined) return { email, key: attendeeKey({ email }) };
  throw new ContractViolation('an attendee needs a userId or an email');
}

function readAttendee(reader: PayloadReader): MeetingAttendee {
  return {
    ...readAttendeeRef(reader),
    required: reader.boolean('required', true),
    response: reader.oneOf('response', RESPONSES),
  };
}

function readRecurrence(reader: PayloadReader): MeetingRecurrence {
  const rule = reader.optionalObject('rule');
  if (!rule) throw new ContractViolation('recurrence.rule is missing');
  rule.oneOf('frequency', ['daily', 'weekly', 'monthly', 'yearly']);
  const exdates = reader.optionalStrings('exdates') ?? [];
  return {
    rule: ruleOf(rule) as unknown as RecurrenceRule,
    exdates: exdates.map((at) => new PayloadReader({ at }, 'recurrence.exdates').instant('at')),
    rrule: reader.string('rrule'),
  };
}

function ruleOf(rule: PayloadReader): Record<string, unknown> {
  return Object.fromEntries(rule.keys().map((key) => [key, rule.raw(key)]));
}

function readOverride(reader: PayloadReader): MeetingOverride {
  const responses = reader.optionalObject('responses');
  const title = reader.optionalString('title');
  const description = reader.raw('description');
  return {
    originalStart: reader.instant('originalStart'),
    start: reader.instant('start'),
    end: reader.instant('end'),
    ...(title !== undefined ? { title } : {}),
    ...(typeof description === 'string' ? { description } : {}),
    responses: Object.fromEntries(
      (responses?.keys() ?? []).map((key) => [
        key,
        { response: responses!.optionalObject(key)!.oneOf('response', RESPONSES) },
      ]),
    ),
  };
}

/** A whole meeting as `scheduled`, `updated` (scope `all`) and `series-split` carry it. */
export function readMeeting(reader: PayloadReader, revision: number): MeetingFacts {
  const room = reader.optionalObject('room');
  const recurrence = reader.optionalObject('recurrence');
  const description = reader.raw('description');
  const meeting: MeetingFacts = {
    meetingId: reader.string('meetingId'),
    organizerId: reader.string('organizerId'),
    title: reader.string('title'),
    description: typeof description === 'string' ? description : '',
    attendees: reader.objects('attendees').map(readAttendee),
    ...(room ? { room: { roomId: room.string('roomId'), bookingId: room.string('bookingId') } } : {}),
    start: reader.instant('start'),
    end: reader.instant('end'),
    timeZone: reader.string('timeZone'),
    ...(recurrence ? { recurrence: readRecurrence(recurrence) } : {}),
    overrides: reader.objects('overrides').map(readOverride),
    reminderMinutes: (reader.optionalIntegers('reminderMinutes') ?? []).filter((each) => each > 0),
    sequence: reader.count('sequence'),
    status: 'scheduled',
    revision,
  };
  if (Date.parse(meeting.end) <= Date.parse(meeting.start))
    throw new ContractViolation(`meeting ${meeting.meetingId}: end must be after start`);
  return meeting;
}

/** `20260302T090000Z`: an instant as iCalendar's UTC form (RRULE UNTIL). */
export function utcStamp(instant: string): string {
  return new Date(Date.parse(instant))
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/**
 * The series ends before `originalStart` (a `following` cancellation or edit): UNTIL replaces COUNT in
 * the rule and its text, and later exceptions go. A single meeting is unchanged.
 */
export function truncatedAt(meeting: MeetingFacts, originalStart: string, until: string): MeetingFacts {
  if (!meeting.recurrence) return meeting;
  const split = Date.parse(originalStart);
  const { count: _count, ...rule } = meeting.recurrence.rule;
  const rrule = [
    ...meeting.recurrence.rrule.split(';').filter((part) => !/^(COUNT|UNTIL)=/i.test(part)),
    `UNTIL=${utcStamp(until)}`,
  ].join(';');
  return {
    ...meeting,
    recurrence: {
      rule: { ...rule, until },
      exdates: meeting.recurrence.exdates.filter((exdate) => Date.parse(exdate) < split),
      rrule,
    },
    overrides: meeting.overrides.filter((override) => Date.parse(override.originalStart) < split),
  };
}

/** The override of an occurrence, or a blank one at the time the rule gives it. */
export function overrideAt(meeting: MeetingFacts, originalStart: string): MeetingOverride {
  return (
    meeting.overrides.find((override) => override.originalStart === originalStart) ?? {
      originalStart,
      start: originalStart,
      end: new Date(
        Date.parse(originalStart) + Date.parse(meeting.end) - Date.parse(meeting.start),
      ).toISOString(),
      responses: {},
    }
  );
}

export function withOverride(meeting: MeetingFacts, override: MeetingOverride): MeetingFacts {
  return {
    ...meeting,
    overrides: [
      ...meeting.overrides.filter((each) => each.originalStart !== override.originalStart),
      override,
    ].sort((a, b) => Date.parse(a.originalStart) - Date.parse(b.originalStart)),
  };
}

/**
 * An answer: for one occurrence (kept in its override), or for the whole meeting (which replaces that
 * attendee's answers for single occurrences), as the meetings service records it.
 */
export function answered(
  meeting: MeetingFacts,
  key: string,
  response: AttendeeResponse,
  occurrenceStart: string | undefined,
): MeetingFacts {
  if (occurrenceStart !== undefined) {
    const override = overrideAt(meeting, occurrenceStart);
    return withOverride(meeting, { ...override, responses: { ...override.responses, [key]: { response } } });
  }
  return {
    ...meeting,
    attendees: meeting.attendees.map((each) => (each.key === key ? { ...each, response } : each)),
    overrides: meeting.overrides.map((override) =>
      key in override.responses
        ? {
            ...override,
            responses: Object.fromEntries(Object.entries(override.responses).filter(([k]) => k !== key)),
          }
        : override,
    ),
  };
}

/** The answer an attendee gave for one occurrence: its own, else the one for the whole meeting. */
export function responseFor(
  meeting: MeetingFacts,
  attendee: MeetingAttendee,
  originalStart: string | undefined,
): AttendeeResponse {
  const own =
    originalStart === undefined
      ? undefined
      : meeting.overrides.find((override) => override.originalStart === originalStart)?.responses[
          attendee.key
        ];
  return own?.response ?? attendee.response;
}

/** The users invited (the organizer among them) and the external guests' addresses. */
export function invitees(meeting: MeetingFacts): { users: string[]; guests: string[] } {
  const users = new Set<string>([meeting.organizerId]);
  const guests = new Set<string>();
  for (const attendee of meeting.attendees) {
    if (attendee.userId !== undefined) users.add(attendee.userId);
    else if (attendee.email !== undefined) guests.add(attendee.email);
  }
  return { users: [...users], guests: [...guests] };
}
