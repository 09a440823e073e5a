import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import {
  DAY_MS,
  SlotTaken,
  ValidationFailed,
  isoOf,
  parseInstant,
  rruleText,
  type AttendeeInput,
  type AttendeeRef,
  type EditScope,
  type Frequency,
  type MeetingDetails,
  type RecurrenceInput,
  type Reply,
  type SeriesConflictPolicy,
  type TimeSpan,
  type Visibility,
  type Weekday,
} from '@roomledger/booking-domain';
import { optionalText } from '@roomledger/service-runtime';
import { BookingRuntime } from '../booking.runtime';
import {
  BookingGrpcErrorFilter,
  SlotTakenWithAlternatives,
  mapBookingError,
  requestContext,
} from '../grpc/booking.grpc-controller';
import type { MeetingOutcome, MeetingView, RoomOutcome } from './meeting.application';
import type { CalendarEntry } from './meeting-occurrences';

interface Req {
  [field: string]: unknown;
}

const MAX_LIST_DAYS = 366;
const MAX_FREE_BUSY_DAYS = 62;
const MAX_FREE_BUSY_USERS = 100;

/**
 * `roomledger.meeting.v1.MeetingService`: decodes requests (proto3 empty strings and zeros are
 * "not given"), calls the meeting use cases, encodes replies (instants in UTC). Errors go through the
 * service's one filter and mapper (`google.rpc.ErrorInfo`).
 */
@Controller()
@UseFilters(BookingGrpcErrorFilter)
export class MeetingGrpcController {
  constructor(@Inject(BookingRuntime) private readonly runtime: BookingRuntime) {}

  private get meetings() {
    return this.runtime.meetings;
  }

  @GrpcMethod('MeetingService', 'ScheduleMeeting')
  scheduleMeeting(request: Req, metadata: Metadata) {
    return this.decision('ScheduleMeeting', async () => {
      const context = requestContext(metadata);
      const roomId = text(request.roomId);
      const recurrence = recurrenceInput(request.recurrence);
      try {
        const outcome = await this.meetings.application.schedule(context, {
          meetingId: text(request.meetingId),
          title: typeof request.title === 'string' ? request.title : '',
          description: text(request.description),
          organizerId: text(request.organizerId),
          attendees: attendeeInputs(request.attendees),
          roomId,
          start: required(request, 'start'),
          end: required(request, 'end'),
          timeZone: text(request.timeZone) ?? 'UTC',
          recurrence,
          reminderMinutes: numbers(request.reminderMinutes),
          visibility: visibility(request.visibility),
          allowProposals: typeof request.allowProposals === 'boolean' ? request.allowProposals : undefined,
          onConflict: onConflict(request.onConflict),
          strict: request.strict === true,
        });
        return outcomeReply(outcome);
      } catch (error) {
        // A single meeting's slot: up to three alternatives, as for a booking.
        if (!(error instanceof SlotTaken) || !roomId || recurrence || error.details.occurrences) throw error;
        const slot: TimeSpan = { start: String(request.start), end: String(request.end) };
        const alternatives = await this.runtime.application.alternatives(roomId, slot, 3).catch(() => []);
        throw new SlotTakenWithAlternatives(error, alternatives);
      }
    });
  }

  @GrpcMethod('MeetingService', 'UpdateMeeting')
  updateMeeting(request: Req, metadata: Metadata) {
    return this.decision('UpdateMeeting', async () => {
      const changes = (request.changes ?? {}) as Req;
      const has = (field: string) => changes[field] !== undefined && changes[field] !== null;
      const roomId =
        changes.removeRoom === true ? null : has('roomId') ? (text(changes.roomId) ?? null) : undefined;
      const outcome = await this.meetings.application.update(requestContext(metadata), {
        meetingId: required(request, 'meetingId'),
        scope: scope(request.scope),
        occurrenceStart: text(request.occurrenceStart),
        newMeetingId: text(request.newMeetingId),
        expectedVersion: version(request),
        onConflict: onConflict(request.onConflict),
        strict: request.strict === true,
        changes: {
          ...(has('title') ? { title: String(changes.title) } : {}),
          ...(has('description') ? { description: String(changes.description) } : {}),
          ...(has('start') ? { start: String(changes.start) } : {}),
          ...(has('end') ? { end: String(changes.end) } : {}),
          ...(has('timeZone') ? { timeZone: String(changes.timeZone) } : {}),
          ...(changes.removeRecurrence === true
            ? { recurrence: null }
            : recurrenceInput(changes.recurrence)
              ? { recurrence: recurrenceInput(changes.recurrence) }
              : {}),
          ...(roomId !== undefined ? { roomId } : {}),
          ...(changes.replaceAttendees === true ? { attendees: attendeeInputs(changes.attendees) } : {}),
          ...(changes.replaceReminders === true
            ? { reminderMinutes: numbers(changes.reminderMinutes) ?? [] }
            : {}),
          ...(has('visibility') ? { visibility: String(changes.visibility) as Visibility } : {}),
          ...(has('allowProposals') ? { allowProposals: changes.allowProposals === true } : {}),
        },
      });
      return {
        ...outcomeReply(outcome),
        continuation: outcome.continuation ? meetingReply(outcome.continuation) : null,
      };
    });
  }

  @GrpcMethod('MeetingService', 'CancelMeeting')
  cancelMeeting(request: Req, metadata: Metadata) {
    return this.decision('CancelMeeting', async () =>
      meetingReply(
        await this.meetings.application.cancel(requestContext(metadata), {
          meetingId: required(request, 'meetingId'),
          scope: scope(request.scope),
          occurrenceStart: text(request.occurrenceStart),
          message: text(request.message),
          expectedVersion: version(request),
        }),
      ),
    );
  }

  @GrpcMethod('MeetingService', 'RespondToInvitation')
  respond(request: Req, metadata: Metadata) {
    return this.decision('RespondToInvitation', async () => {
      const proposal = request.proposal as TimeSpan | null | undefined;
      return meetingReply(
        await this.meetings.application.respond(requestContext(metadata), {
          meetingId: required(request, 'meetingId'),
          response: required(request, 'response') as Reply,
          comment: text(request.comment),
          occurrenceStart: text(request.occurrenceStart),
          proposal: proposal && (proposal.start || proposal.end) ? proposal : undefined,
          attendee: attendeeRef(request, false),
        }),
      );
    });
  }

  @GrpcMethod('MeetingService', 'AcceptProposal')
  acceptProposal(request: Req, metadata: Metadata) {
    return this.decision('AcceptProposal', async () =>
      meetingReply(
        await this.meetings.application.acceptProposal(requestContext(metadata), {
          meetingId: required(request, 'meetingId'),
          attendee: attendeeRef(request, true) as AttendeeRef,
          occurrenceStart: text(request.occurrenceStart),
          expectedVersion: version(request),
        }),
      ),
    );
  }

  @GrpcMethod('MeetingService', 'GetMeeting')
  async getMeeting(request: Req, metadata: Metadata) {
    const { actor } = requestContext(metadata);
    return meetingReply(await this.meetings.application.get(actor, required(request, 'meetingId')));
  }

  @GrpcMethod('MeetingService', 'ListMyMeetings')
  async listMyMeetings(request: Req, metadata: Metadata) {
    const { actor } = requestContext(metadata);
    const window = windowOf(request, 30, MAX_LIST_DAYS);
    const page = await this.meetings.calendars.listMine(actor.userId, {
      ...window,
      limit: Math.min(Math.max(Number(request.limit) || 50, 1), 200),
      cursor: text(request.cursor),
      includeDeclined: request.includeDeclined === true,
    });
    return { items: page.items.map(occurrenceReply), nextCursor: page.nextCursor ?? '' };
  }

  @GrpcMethod('MeetingService', 'GetFreeBusy')
  async getFreeBusy(request: Req, metadata: Metadata) {
    const { actor } = requestContext(metadata);
    const userIds = [
      ...new Set(Array.isArray(request.userIds) ? (request.userIds as string[]).filter(Boolean) : []),
    ];
    if (userIds.length === 0 || userIds.length > MAX_FREE_BUSY_USERS)
      throw new ValidationFailed('userIds', `1..${MAX_FREE_BUSY_USERS} user ids`);
    const window = windowOf(request, 7, MAX_FREE_BUSY_DAYS);
    const users = await this.meetings.calendars.freeBusy(actor.userId, userIds, window);
    return {
      users: users.map((user) => ({
        userId: user.userId,
        timeZone: user.timeZone ?? '',
        busy: user.busy.map(span),
        entries: user.entries.map((entry) => ({
          ...span(entry),
          busyOnly: entry.busyOnly,
          meetingId: entry.meetingId ?? '',
          title: entry.title ?? '',
          response: entry.response,
        })),
      })),
    };
  }

  @GrpcMethod('MeetingService', 'GetCalendarFeedToken')
  async getFeedToken(request: Req, metadata: Metadata) {
    const { actor } = requestContext(metadata);
    return this.meetings.feeds.token(actor, request.kind, request.id);
  }

  @GrpcMethod('MeetingService', 'RotateCalendarFeedToken')
  async rotateFeedToken(request: Req, metadata: Metadata) {
    const { actor } = requestContext(metadata);
    return this.meetings.feeds.token(actor, request.kind, request.id, { rotate: true });
  }

  /** No caller identity: calendar clients fetch the URL with its token, which is the credential. */
  @GrpcMethod('MeetingService', 'GetCalendarFeed')
  async getFeed(request: Req) {
    const body = await this.meetings.feeds.feed(request.kind, request.id, request.token);
    return { contentType: 'text/calendar; charset=utf-8', body };
  }

  /** Counts the outcome of a command, like the booking commands. */
  private async decision<T>(command: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.runtime.metrics.decisions.inc({ command, outcome: 'ok' });
      return result;
    } catch (error) {
      this.runtime.metrics.decisions.inc({ command, outcome: mapBookingError(error)?.code ?? 'internal' });
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Requests

const text = optionalText;

function required(request: Req, field: string): string {
  const value = text(request[field]);
  if (!value) throw new ValidationFailed(field, 'required');
  return value;
}

function version(request: Req): number | undefined {
  const value = Number(request.expectedVersion ?? 0);
  if (!Number.isInteger(value) || value < 0) throw new ValidationFailed('expectedVersion', 'a version');
  return value === 0 ? undefined : value;
}

function numbers(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.length > 0 ? value.map(Number) : undefined;
}

function visibility(value: unknown): Visibility | undefined {
  return text(value) as Visibility | undefined;
}

function scope(value: unknown): EditScope | undefined {
  return text(value) as EditScope | undefined;
}

function onConflict(value: unknown): SeriesConflictPolicy {
  const policy = text(value) ?? 'all-or-nothing';
  if (policy !== 'all-or-nothing' && policy !== 'skip-conflicts')
    throw new ValidationFailed('onConflict', 'all-or-nothing or skip-conflicts');
  return policy;
}

function attendeeInputs(value: unknown): AttendeeInput[] {
  if (!Array.isArray(value)) return [];
  return (value as Req[]).map((input) => {
    const required = input.optional !== true;
    const userId = text(input.userId);
    const email = text(input.email);
    if (userId && !email) return { userId, required };
    if (email && !userId) return { email, required };
    return { required } as AttendeeInput; // refused by the domain, naming the field
  });
}

/** The attendee a request names (`attendee_user_id` / `attendee_email`); optional answers default to the caller. */
function attendeeRef(request: Req, needed: boolean): AttendeeRef | undefined {
  const userId = text(request.attendeeUserId);
  const email = text(request.attendeeEmail);
  if (userId && email) throw new ValidationFailed('attendeeUserId', 'either a user id or an e-mail address');
  if (userId) return { userId };
  if (email) return { email };
  if (needed) throw new ValidationFailed('attendeeUserId', 'required (or attendeeEmail)');
  return undefined;
}

function recurrenceInput(value: unknown): RecurrenceInput | undefined {
  const recurrence = value as { rule?: Req | null; exdates?: string[] } | null | undefined;
  const rule = recurrence?.rule;
  if (!rule || !text(rule.frequency)) return undefined;
  const list = <T>(field: string) =>
    Array.isArray(rule[field]) && (rule[field] as T[]).length > 0 ? (rule[field] as T[]) : undefined;
  const positive = (field: string) => (Number(rule[field]) ? Number(rule[field]) : undefined);
  return {
    rule: {
      frequency: String(rule.frequency) as Frequency,
      ...(positive('interval') ? { interval: positive('interval') } : {}),
      ...(list<Weekday>('byWeekday') ? { byWeekday: list<Weekday>('byWeekday') } : {}),
      ...(positive('weekdayPosition') ? { weekdayPosition: positive('weekdayPosition') } : {}),
      ...(list<number>('byMonthDay') ? { byMonthDay: list<number>('byMonthDay') } : {}),
      ...(list<number>('byMonth') ? { byMonth: list<number>('byMonth') } : {}),
      ...(positive('count') ? { count: positive('count') } : {}),
      ...(text(rule.until) ? { until: String(rule.until) } : {}),
    },
    exdates: Array.isArray(recurrence.exdates) ? recurrence.exdates.filter(Boolean) : [],
  };
}

/** `from` (default now) and `to` (default `from` + `defaultDays`), at most `maxDays` apart. */
function windowOf(request: Req, defaultDays: number, maxDays: number): { from: number; to: number } {
  const fromText = text(request.from);
  const toText = text(request.to);
  const from = fromText === undefined ? Date.now() : parseInstant(fromText);
  if (from === undefined) throw new ValidationFailed('from', 'an RFC 3339 date-time with an offset');
  const to = toText === undefined ? from + defaultDays * DAY_MS : parseInstant(toText);
  if (to === undefined || to <= from) throw new ValidationFailed('to', 'an RFC 3339 date-time after from');
  if (to - from > maxDays * DAY_MS) throw new ValidationFailed('to', `at most ${maxDays} days after from`);
  return { from, to };
}

// ---------------------------------------------------------------------------------------------------
// Replies

const utc = (value: string | undefined): string => (value ? isoOf(Date.parse(value)) : '');
const span = (value: TimeSpan) => ({ start: utc(value.start), end: utc(value.end) });

export function meetingReply(view: MeetingView) {
  const meeting: MeetingDetails & { status: string } = view.meeting;
  return {
    id: meeting.meetingId,
    organizerId: meeting.organizerId,
    title: meeting.title,
    description: meeting.description,
    attendees: meeting.attendees.map((a) => ({
      userId: 'userId' in a ? a.userId : '',
      email: 'email' in a ? a.email : '',
      required: a.required,
      response: a.response,
      comment: a.comment ?? '',
      proposal: a.proposal ? span(a.proposal) : null,
    })),
    room: meeting.room ?? null,
    start: utc(meeting.start),
    end: utc(meeting.end),
    timeZone: meeting.timeZone,
    recurrence: meeting.recurrence
      ? {
          rule: {
            frequency: meeting.recurrence.rule.frequency,
            interval: meeting.recurrence.rule.interval ?? 1,
            byWeekday: meeting.recurrence.rule.byWeekday ?? [],
            weekdayPosition: meeting.recurrence.rule.weekdayPosition ?? 0,
            byMonthDay: meeting.recurrence.rule.byMonthDay ?? [],
            byMonth: meeting.recurrence.rule.byMonth ?? [],
            count: meeting.recurrence.rule.count ?? 0,
            until: utc(meeting.recurrence.rule.until),
          },
          exdates: meeting.recurrence.exdates.map(utc),
          rrule: rruleText(meeting.recurrence.rule),
        }
      : null,
    overrides: meeting.overrides.map((o) => ({
      originalStart: utc(o.originalStart),
      start: utc(o.start),
      end: utc(o.end),
      title: o.title ?? '',
      description: o.description ?? '',
      room: o.room ?? null,
      roomRemoved: o.room === null,
      answers: Object.entries(o.responses).map(([key, answer]) => ({
        userId: key.startsWith('user:') ? key.slice('user:'.length) : '',
        email: key.startsWith('email:') ? key.slice('email:'.length) : '',
        response: answer.response,
        comment: answer.comment ?? '',
        proposal: answer.proposal ? span(answer.proposal) : null,
      })),
    })),
    reminderMinutes: [...meeting.reminderMinutes],
    visibility: meeting.visibility,
    allowProposals: meeting.allowProposals,
    sequence: meeting.sequence,
    status: meeting.status,
    version: view.version,
    splitFrom: meeting.splitFrom
      ? { meetingId: meeting.splitFrom.meetingId, originalStart: utc(meeting.splitFrom.originalStart) }
      : null,
  };
}

function roomReply(room: RoomOutcome | undefined) {
  if (!room) return null;
  return {
    booked: room.booked,
    bookedUntil: utc(room.bookedUntil),
    skipped: room.skipped.map((occurrence) => ({
      bookingId: occurrence.bookingId,
      ...span(occurrence),
      reason: occurrence.reason.code,
      rule: occurrence.reason.code === 'policy_violation' ? occurrence.reason.rule : '',
      conflicts: occurrence.reason.code === 'slot_taken' ? occurrence.reason.conflicts.map(span) : [],
      alternatives: occurrence.alternatives.map((alternative) => ({ ...alternative, ...span(alternative) })),
    })),
  };
}

function outcomeReply(outcome: MeetingOutcome) {
  return {
    meeting: meetingReply(outcome.view),
    attendeeConflicts: outcome.attendeeConflicts.map((a) => ({ userId: a.userId, busy: a.busy.map(span) })),
    room: roomReply(outcome.room),
  };
}

function occurrenceReply(entry: CalendarEntry) {
  return {
    meetingId: entry.meetingId,
    originalStart: utc(entry.originalStart),
    start: utc(entry.start),
    end: utc(entry.end),
    title: entry.title,
    organizerId: entry.organizerId,
    roomId: entry.roomId ?? '',
    response: entry.response,
    recurring: entry.recurring,
    visibility: entry.visibility,
  };
}
