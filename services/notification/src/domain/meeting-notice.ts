import {
  answered,
  invitees,
  readAttendeeRef,
  readMeeting,
  truncatedAt,
  withOverride,
  overrideAt,
  type AttendeeResponse,
  type MeetingFacts,
} from './meeting';
import type { ConsumedEvent, Interval } from './notice';
import { ContractViolation, PayloadReader } from './payload';

/** One occurrence of a meeting: the start the rule gave it (RECURRENCE-ID) and its actual times. */
export interface OccurrenceFacts extends Interval {
  readonly originalStart: string;
  readonly title?: string;
}

interface MeetingNoticeBase {
  readonly eventId: string;
  readonly eventType: string;
  /** The meeting id (the event's `ce_subject`). */
  readonly subject: string;
  readonly occurredAt: string;
  /** Users told (e-mail, inbox, webhooks): user ids. */
  readonly audience: readonly string[];
  /** External guests told by e-mail only: their addresses (lower-case). */
  readonly guests: readonly string[];
  /** The meeting as it is after the event: what invitations and reminders are made from. */
  readonly meeting: MeetingFacts;
}

export type MeetingChangeScope = 'all' | 'this' | 'following';

/** Something people should hear about a meeting (see {@link meetingNotices}). */
export type MeetingNotice =
  /** Scheduled: every invitee gets the invitation (the organizer a confirmation with the same invite). */
  | (MeetingNoticeBase & { readonly kind: 'meeting-invitation' })
  | (MeetingNoticeBase & {
      readonly kind: 'meeting-updated';
      /** `following`: the series was split; it now ends before `from` and continues as a new meeting. */
      readonly scope: MeetingChangeScope;
      readonly changed: readonly string[];
      readonly timeChanged: boolean;
      /** Scope `this`: the occurrence afterwards. */
      readonly occurrence?: OccurrenceFacts;
      /** Scope `following`: the first occurrence no longer part of this series. */
      readonly from?: string;
      /** The times before, when the service knew them and they changed. */
      readonly previous?: Interval;
    })
  | (MeetingNoticeBase & {
      readonly kind: 'meeting-cancelled';
      readonly scope: MeetingChangeScope;
      /** Scope `this`: the occurrence cancelled. */
      readonly occurrence?: OccurrenceFacts;
      /** Scope `following`: the first occurrence cancelled (the series now ends before it). */
      readonly from?: string;
      /** The audience was taken off the meeting (the meeting itself goes on). */
      readonly removed: boolean;
      readonly message?: string;
    })
  /** An attendee answered: the organizer hears it. */
  | (MeetingNoticeBase & {
      readonly kind: 'meeting-response';
      readonly attendee: { readonly key: string; readonly userId?: string; readonly email?: string };
      readonly response: Exclude<AttendeeResponse, 'needs-action'>;
      readonly occurrenceStart?: string;
      readonly comment?: string;
      readonly proposal?: Interval;
    })
  /** Occurrences of a series that could not get the room: the organizer hears which. */
  | (MeetingNoticeBase & {
      readonly kind: 'meeting-occurrences-conflicted';
      readonly roomId: string;
      readonly occurrences: readonly (Interval & { readonly reason: string })[];
    })
  /** An occurrence starts soon: raised by the reminder queue, not by a feed event. */
  | (Omit<MeetingNoticeBase, 'meeting'> & {
      readonly kind: 'meeting-reminder';
      readonly reminder: MeetingReminderFacts;
      readonly minutesBefore: number;
    });

/** What a meeting reminder needs to say (kept with the reminder, so it fires without the meeting). */
export interface MeetingReminderFacts {
  readonly meetingId: string;
  readonly organizerId: string;
  readonly title: string;
  readonly timeZone: string;
  readonly roomId?: string;
  readonly occurrence: OccurrenceFacts;
}

export const meetingNoticeKinds = [
  'meeting-invitation',
  'meeting-updated',
  'meeting-cancelled',
  'meeting-response',
  'meeting-occurrences-conflicted',
  'meeting-reminder',
] as const satisfies readonly MeetingNotice['kind'][];

const MEETING_TYPE = /^roomledger\.meeting\.([a-z-]+)\.v1$/;

export interface MeetingIntake {
  /** The service's copy of the meeting after the event (unchanged: the same object). */
  readonly meeting: MeetingFacts | undefined;
  /** Each for its own people (the audiences do not overlap): the same event may tell some of an
   * update and others that they were taken off. */
  readonly notices: readonly MeetingNotice[];
}

/**
 * What a `meeting.events.v1` event does to the service's copy of the meeting (`known`, absent until its
 * `scheduled` event) and whom it tells what:
 *
 * - `scheduled`: every invitee an invitation (REQUEST); `updated`: every invitee the change (REQUEST,
 *   higher SEQUENCE), and attendees taken off a cancellation (CANCEL);
 * - `cancelled` (scope `all`, `this`, `following`): every invitee; `series-split`: every invitee that
 *   the series now ends (its continuation arrives as its own `scheduled`);
 * - `invitation-responded`: the organizer (not when answering their own meeting); `occurrence-conflicted`:
 *   the organizer.
 *
 * Events of a meeting the service never saw scheduled tell nobody (no attendees, times or title to say
 * anything with), and an event older than the copy (by stream revision) changes nothing. Every other
 * event gives at least one notice, perhaps with nobody in its audience, so the reminders follow the copy.
 * Throws {@link ContractViolation} for a payload that breaks the contract.
 */
export function meetingNotices(event: ConsumedEvent, known: MeetingFacts | undefined): MeetingIntake {
  const name = MEETING_TYPE.exec(event.type)?.[1];
  const data = new PayloadReader(event.data, event.type);
  const revision = data.count('streamRevision');
  const base = { eventId: event.id, eventType: event.type, subject: event.subject };
  const occurredAt = data.instant('occurredAt');
  const stale = known !== undefined && name !== 'occurrence-conflicted' && revision <= known.revision;
  const unchanged: MeetingIntake = { meeting: known, notices: [] };
  if (stale) return unchanged;
  const toEveryone = (meeting: MeetingFacts) => {
    const { users, guests } = invitees(meeting);
    return { ...base, occurredAt, audience: users, guests, meeting };
  };
  switch (name) {
    case 'scheduled': {
      const meeting = readMeeting(data, revision);
      return { meeting, notices: [{ ...toEveryone(meeting), kind: 'meeting-invitation' }] };
    }
    case 'updated':
      return updated(data, known, revision, toEveryone);
    case 'cancelled':
      return cancelled(data, known, revision, toEveryone);
    case 'invitation-responded': {
      if (!known) return unchanged;
      const attendee = readAttendeeRef(data.optionalObject('attendee') ?? missing(event.type, 'attendee'));
      const response = data.oneOf('response', ['accepted', 'declined', 'tentative'] as const);
      const occurrenceStart = data.optionalInstant('occurrenceStart');
      const proposal = data.optionalObject('proposal');
      const comment = data.optionalString('comment');
      const meeting = { ...answered(known, attendee.key, response, occurrenceStart), revision };
      const byOrganizer = attendee.userId === meeting.organizerId;
      return {
        meeting,
        notices: [
          {
            ...base,
            occurredAt,
            audience: byOrganizer ? [] : [meeting.organizerId],
            guests: [],
            meeting,
            kind: 'meeting-response',
            attendee,
            response,
            ...(occurrenceStart !== undefined ? { occurrenceStart } : {}),
            ...(comment !== undefined ? { comment } : {}),
            ...(proposal
              ? { proposal: { start: proposal.instant('start'), end: proposal.instant('end') } }
              : {}),
          },
        ],
      };
    }
    case 'series-split': {
      if (!known) return unchanged;
      const from = data.instant('originalStart');
      const meeting = {
        ...truncatedAt(known, from, data.instant('until')),
        sequence: data.count('sequence'),
        revision,
      };
      return {
        meeting,
        notices: [
          {
            ...toEveryone(meeting),
            kind: 'meeting-updated',
            scope: 'following',
            changed: [],
            timeChanged: false,
            from,
          },
        ],
      };
    }
    case 'occurrence-conflicted': {
      if (!known) return unchanged;
      return {
        meeting: known,
        notices: [
          {
            ...base,
            occurredAt,
            audience: [known.organizerId],
            guests: [],
            meeting: known,
            kind: 'meeting-occurrences-conflicted',
            roomId: data.string('roomId'),
            occurrences: data.objects('occurrences').map((occurrence) => ({
              start: occurrence.instant('start'),
              end: occurrence.instant('end'),
              reason: occurrence.string('reason'),
            })),
          },
        ],
      };
    }
    default:
      return unchanged;
  }
}

type Everyone = (meeting: MeetingFacts) => Omit<MeetingNotice & { kind: 'meeting-invitation' }, 'kind'>;

function updated(
  data: PayloadReader,
  known: MeetingFacts | undefined,
  revision: number,
  toEveryone: Everyone,
): MeetingIntake {
  const scope = data.oneOf('scope', ['all', 'this'] as const);
  const changed = data.optionalStrings('changed') ?? [];
  const timeChanged = data.boolean('timeChanged', false);
  const sequence = data.count('sequence');
  if (scope === 'all') {
    const whole = data.optionalObject('meeting');
    if (!whole) throw new ContractViolation('roomledger.meeting.updated.v1: scope all needs meeting');
    const meeting = { ...readMeeting(whole, revision), status: known?.status ?? 'scheduled' } as const;
    const everyone = toEveryone(meeting);
    const removedRefs = data.objects('removedAttendees').map(readAttendeeRef);
    const removedUsers = removedRefs.flatMap((ref) =>
      ref.userId !== undefined && !everyone.audience.includes(ref.userId) ? [ref.userId] : [],
    );
    const removedGuests = removedRefs.flatMap((ref) =>
      ref.userId === undefined && !everyone.guests.includes(ref.email!) ? [ref.email!] : [],
    );
    const previous =
      known && (known.start !== meeting.start || known.end !== meeting.end)
        ? { start: known.start, end: known.end }
        : undefined;
    return {
      meeting,
      notices: [
        {
          ...everyone,
          kind: 'meeting-updated',
          scope,
          changed,
          timeChanged,
          ...(previous ? { previous } : {}),
        },
        ...(removedUsers.length + removedGuests.length > 0
          ? [
              {
                ...everyone,
                audience: removedUsers,
                guests: removedGuests,
                kind: 'meeting-cancelled' as const,
                scope: 'all' as const,
                removed: true,
              },
            ]
          : []),
      ],
    };
  }
  if (!known) return { meeting: known, notices: [] };
  const occurrence = data.optionalObject('occurrence');
  if (!occurrence) throw new ContractViolation('roomledger.meeting.updated.v1: scope this needs occurrence');
  const originalStart = occurrence.instant('originalStart');
  const before = overrideAt(known, originalStart);
  const title = occurrence.optionalString('title');
  const description = occurrence.raw('description');
  const after = {
    originalStart,
    start: occurrence.instant('start'),
    end: occurrence.instant('end'),
    ...(title !== undefined ? { title } : {}),
    ...(typeof description === 'string' ? { description } : {}),
    // A new time asks everyone again, as the meetings service does for the whole meeting.
    responses: timeChanged ? {} : before.responses,
  };
  const meeting = { ...withOverride(known, after), sequence, revision };
  return {
    meeting,
    notices: [
      {
        ...toEveryone(meeting),
        kind: 'meeting-updated',
        scope,
        changed,
        timeChanged,
        occurrence: {
          originalStart,
          start: after.start,
          end: after.end,
          ...(title !== undefined ? { title } : {}),
        },
        ...(before.start !== after.start || before.end !== after.end
          ? { previous: { start: before.start, end: before.end } }
          : {}),
      },
    ],
  };
}

function cancelled(
  data: PayloadReader,
  known: MeetingFacts | undefined,
  revision: number,
  toEveryone: Everyone,
): MeetingIntake {
  if (!known) return { meeting: known, notices: [] };
  const scope = data.oneOf('scope', ['all', 'this', 'following'] as const);
  const sequence = data.count('sequence');
  const message = data.optionalString('message');
  const common = {
    kind: 'meeting-cancelled',
    scope,
    removed: false,
    ...(message ? { message } : {}),
  } as const;
  switch (scope) {
    case 'all': {
      const meeting: MeetingFacts = { ...known, status: 'cancelled', sequence, revision };
      // The event names everyone who was invited; the copy may have missed none, but the event decides.
      const named = data.objects('attendees').map(readAttendeeRef);
      const everyone = toEveryone(meeting);
      return {
        meeting,
        notices: [
          {
            ...everyone,
            ...common,
            ...(named.length > 0
              ? {
                  audience: [
                    ...new Set([
                      meeting.organizerId,
                      ...named.flatMap((ref) => (ref.userId ? [ref.userId] : [])),
                    ]),
                  ],
                  guests: named.flatMap((ref) => (ref.userId === undefined ? [ref.email!] : [])),
                }
              : {}),
          },
        ],
      };
    }
    case 'this': {
      const originalStart = data.instant('originalStart');
      const occurrence = {
        originalStart,
        start: data.optionalInstant('start') ?? overrideAt(known, originalStart).start,
        end: data.optionalInstant('end') ?? overrideAt(known, originalStart).end,
      };
      const meeting: MeetingFacts = {
        ...known,
        ...(known.recurrence
          ? {
              recurrence: {
                ...known.recurrence,
                exdates: [...new Set([...known.recurrence.exdates, originalStart])].sort(
                  (a, b) => Date.parse(a) - Date.parse(b),
                ),
              },
            }
          : {}),
        overrides: known.overrides.filter((override) => override.originalStart !== originalStart),
        sequence,
        revision,
      };
      return { meeting, notices: [{ ...toEveryone(meeting), ...common, occurrence }] };
    }
    case 'following': {
      const from = data.instant('originalStart');
      const meeting = { ...truncatedAt(known, from, data.instant('until')), sequence, revision };
      return { meeting, notices: [{ ...toEveryone(meeting), ...common, from }] };
    }
  }
}

function missing(type: string, name: string): never {
  throw new ContractViolation(`${type}: ${name} is missing`);
}

/**
 * What a meeting notice may show beyond the people it is for (webhook bodies, inbox items): the
 * meeting's times and ids, never an address, a name or a comment.
 */
export function publicMeetingFacts(notice: MeetingNotice): Record<string, unknown> {
  if (notice.kind === 'meeting-reminder')
    return { reminder: notice.reminder, minutesBefore: notice.minutesBefore };
  const { meeting } = notice;
  const facts = {
    meeting: {
      meetingId: meeting.meetingId,
      organizerId: meeting.organizerId,
      title: meeting.title,
      start: meeting.start,
      end: meeting.end,
      timeZone: meeting.timeZone,
      ...(meeting.room ? { roomId: meeting.room.roomId } : {}),
      ...(meeting.recurrence
        ? { recurrence: { rrule: meeting.recurrence.rrule, exdates: meeting.recurrence.exdates } }
        : {}),
      sequence: meeting.sequence,
      status: meeting.status,
    },
  };
  switch (notice.kind) {
    case 'meeting-invitation':
      return facts;
    case 'meeting-updated': {
      const { scope, changed, timeChanged, occurrence, from, previous } = notice;
      return { ...facts, scope, changed, timeChanged, ...definedOnly({ occurrence, from, previous }) };
    }
    case 'meeting-cancelled': {
      const { scope, removed, occurrence, from } = notice;
      return { ...facts, scope, removed, ...definedOnly({ occurrence, from }) };
    }
    case 'meeting-response': {
      const { response, occurrenceStart, proposal, attendee } = notice;
      return {
        ...facts,
        response,
        // A guest is named by nothing here: their address is personal data.
        attendee: attendee.userId !== undefined ? { userId: attendee.userId } : { guest: true },
        ...definedOnly({ occurrenceStart, proposal }),
      };
    }
    case 'meeting-occurrences-conflicted':
      return { ...facts, roomId: notice.roomId, occurrences: notice.occurrences };
  }
}

function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}
