import { Controller, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { context, Downstream } from '../edge/downstream';
import { Edge } from '../edge/edge.interceptor';
import { reply, Route, type EdgeRequest } from '../edge/operation';
import { ProblemError } from '../edge/problem';
import { optional, pageOf } from '../edge/schemas';
import {
  acceptProposal,
  cancelMeeting,
  findTimes,
  freeBusy,
  getMeeting,
  listMyMeetings,
  respondToInvitation,
  roomFeed,
  roomFeedToken,
  rotateRoomFeedToken,
  rotateUserFeedToken,
  scheduleMeeting,
  updateMeeting,
  userFeed,
  userFeedToken,
} from './meeting.operations';

// The meeting service's gRPC replies (proto3: '' for unset strings, null for unset messages, int64 as strings).
interface Span {
  start: string;
  end: string;
}
interface RoomReply {
  roomId: string;
  bookingId: string;
}
interface AnswerReply {
  userId: string;
  email: string;
  response: string;
  comment: string;
  proposal: Span | null;
}
interface MeetingReply {
  id: string;
  organizerId: string;
  title: string;
  description: string;
  attendees: (AnswerReply & { required: boolean })[];
  room: RoomReply | null;
  start: string;
  end: string;
  timeZone: string;
  recurrence: {
    rule: {
      frequency: string;
      interval: number;
      byWeekday: string[];
      weekdayPosition: number;
      byMonthDay: number[];
      byMonth: number[];
      count: number;
      until: string;
    } | null;
    exdates: string[];
    rrule: string;
  } | null;
  overrides: {
    originalStart: string;
    start: string;
    end: string;
    title: string;
    description: string;
    room: RoomReply | null;
    roomRemoved: boolean;
    answers: AnswerReply[];
  }[];
  reminderMinutes: number[];
  visibility: string;
  allowProposals: boolean;
  sequence: string;
  status: string;
  version: string;
  splitFrom: { meetingId: string; originalStart: string } | null;
}
interface ChangeReply {
  meeting: MeetingReply;
  continuation?: MeetingReply | null;
  attendeeConflicts: { userId: string; busy: Span[] }[];
  room: {
    booked: number;
    skipped: {
      bookingId: string;
      start: string;
      end: string;
      reason: string;
      rule: string;
      conflicts: Span[];
      alternatives: { roomId: string; start: string; end: string }[];
    }[];
    bookedUntil: string;
  } | null;
}
interface OccurrenceReply {
  meetingId: string;
  originalStart: string;
  start: string;
  end: string;
  title: string;
  organizerId: string;
  roomId: string;
  response: string;
  recurring: boolean;
  visibility: string;
}
interface FeedTokenReply {
  kind: string;
  id: string;
  token: string;
  path: string;
}

const span = (value: Span) => ({ start: value.start, end: value.end });
const roomOut = (room: RoomReply) => ({ roomId: room.roomId, bookingId: optional(room.bookingId) });
const answerOut = (answer: AnswerReply) => ({
  userId: optional(answer.userId),
  email: optional(answer.email),
  response: answer.response,
  comment: optional(answer.comment),
  proposal: answer.proposal?.start ? span(answer.proposal) : undefined,
});
const positive = (value: number) => (value ? value : undefined);

export const meetingOut = (meeting: MeetingReply) => ({
  id: meeting.id,
  organizerId: meeting.organizerId,
  title: meeting.title,
  description: optional(meeting.description),
  attendees: meeting.attendees.map((attendee) => {
    const { userId, email, response, comment, proposal } = answerOut(attendee);
    return { userId, email, required: attendee.required, response, comment, proposal };
  }),
  room: meeting.room?.roomId ? roomOut(meeting.room) : undefined,
  start: meeting.start,
  end: meeting.end,
  timeZone: meeting.timeZone,
  recurrence: meeting.recurrence
    ? {
        rule: meeting.recurrence.rule
          ? {
              frequency: meeting.recurrence.rule.frequency,
              interval: positive(meeting.recurrence.rule.interval),
              byWeekday: meeting.recurrence.rule.byWeekday,
              weekdayPosition: positive(meeting.recurrence.rule.weekdayPosition),
              byMonthDay: meeting.recurrence.rule.byMonthDay,
              byMonth: meeting.recurrence.rule.byMonth,
              count: positive(meeting.recurrence.rule.count),
              until: optional(meeting.recurrence.rule.until),
            }
          : undefined,
        exdates: meeting.recurrence.exdates,
        rrule: meeting.recurrence.rrule,
      }
    : undefined,
  overrides: meeting.overrides.map((override) => ({
    originalStart: override.originalStart,
    start: override.start,
    end: override.end,
    title: optional(override.title),
    description: optional(override.description),
    room: override.room?.roomId ? roomOut(override.room) : undefined,
    roomRemoved: override.roomRemoved,
    answers: override.answers.map(answerOut),
  })),
  reminderMinutes: meeting.reminderMinutes,
  visibility: meeting.visibility,
  allowProposals: meeting.allowProposals,
  sequence: Number(meeting.sequence),
  status: meeting.status,
  version: Number(meeting.version),
  splitFrom: meeting.splitFrom?.meetingId
    ? { meetingId: meeting.splitFrom.meetingId, originalStart: meeting.splitFrom.originalStart }
    : undefined,
});

const changeOut = (change: ChangeReply) => ({
  meeting: meetingOut(change.meeting),
  continuation: change.continuation?.id ? meetingOut(change.continuation) : undefined,
  attendeeConflicts: change.attendeeConflicts.map((conflict) => ({
    userId: conflict.userId,
    busy: conflict.busy.map(span),
  })),
  room: change.room
    ? {
        booked: change.room.booked,
        skipped: change.room.skipped.map((skipped) => ({
          bookingId: optional(skipped.bookingId),
          start: skipped.start,
          end: skipped.end,
          reason: skipped.reason,
          rule: optional(skipped.rule),
          conflicts: skipped.conflicts.map(span),
          alternatives: skipped.alternatives.map((alternative) => ({
            roomId: alternative.roomId,
            start: alternative.start,
            end: alternative.end,
          })),
        })),
        bookedUntil: optional(change.room.bookedUntil),
      }
    : undefined,
});

const meetingReply = (meeting: MeetingReply) => reply(meetingOut(meeting), { version: meeting.version });

const occurrenceOut = (occurrence: OccurrenceReply) => ({
  meetingId: occurrence.meetingId,
  originalStart: occurrence.originalStart,
  start: occurrence.start,
  end: occurrence.end,
  title: occurrence.title,
  organizerId: occurrence.organizerId,
  roomId: optional(occurrence.roomId),
  response: occurrence.response,
  recurring: occurrence.recurring,
  visibility: occurrence.visibility,
});

const tokenOut = (token: FeedTokenReply) => ({
  kind: token.kind as 'user' | 'room',
  id: token.id,
  token: token.token,
  path: token.path,
});

type RecurrenceInput = NonNullable<EdgeRequest<typeof scheduleMeeting>['body']['recurrence']>;
const recurrenceIn = (recurrence: RecurrenceInput) => ({
  rule: { ...recurrence.rule, until: recurrence.rule.until ?? '' },
  exdates: recurrence.exdates ?? [],
});

/**
 * Meetings, answers and proposals, free/busy, the scheduling assistant and iCalendar feeds: mapped onto
 * roomledger.meeting.v1.MeetingService and roomledger.scheduling.v1.SchedulingService (booking service).
 */
@Controller()
export class MeetingsHttpController {
  constructor(@Inject(Downstream) private readonly services: Downstream) {}

  @Route(scheduleMeeting)
  async schedule(@Edge() request: EdgeRequest<typeof scheduleMeeting>) {
    const { recurrence, attendees, ...rest } = request.body;
    const scheduled = await this.services.call<ChangeReply>(
      'meeting',
      'ScheduleMeeting',
      {
        ...rest,
        attendees: attendees ?? [],
        ...(recurrence ? { recurrence: recurrenceIn(recurrence) } : {}),
      },
      context(request),
    );
    return reply(changeOut(scheduled), {
      version: scheduled.meeting.version,
      location: `/v1/meetings/${scheduled.meeting.id}`,
    });
  }

  @Route(getMeeting)
  async get(@Edge() request: EdgeRequest<typeof getMeeting>) {
    const found = await this.services.call<MeetingReply>(
      'meeting',
      'GetMeeting',
      { meetingId: request.params.meetingId },
      context(request),
    );
    return meetingReply(found);
  }

  /** `null` gives a room or a recurrence up; lists replace the whole list. */
  @Route(updateMeeting)
  async update(@Edge() request: EdgeRequest<typeof updateMeeting>) {
    const {
      scope,
      occurrenceStart,
      onConflict,
      strict,
      recurrence,
      roomId,
      attendees,
      reminderMinutes,
      ...rest
    } = request.body;
    const changes = {
      ...rest,
      ...(recurrence ? { recurrence: recurrenceIn(recurrence) } : {}),
      removeRecurrence: recurrence === null,
      ...(roomId ? { roomId } : {}),
      removeRoom: roomId === null,
      replaceAttendees: attendees !== undefined,
      attendees: attendees ?? [],
      replaceReminders: reminderMinutes !== undefined,
      reminderMinutes: reminderMinutes ?? [],
    };
    const updated = await this.services.call<ChangeReply>(
      'meeting',
      'UpdateMeeting',
      {
        meetingId: request.params.meetingId,
        scope: scope ?? '',
        occurrenceStart: occurrenceStart ?? '',
        changes,
        expectedVersion: request.expectedVersion,
        onConflict: onConflict ?? '',
        strict: strict ?? false,
      },
      context(request),
    );
    return reply(changeOut(updated), { version: updated.meeting.version });
  }

  @Route(cancelMeeting)
  async cancel(@Edge() request: EdgeRequest<typeof cancelMeeting>) {
    const { scope, occurrenceStart, message } = request.body;
    const cancelled = await this.services.call<MeetingReply>(
      'meeting',
      'CancelMeeting',
      {
        meetingId: request.params.meetingId,
        scope: scope ?? '',
        occurrenceStart: occurrenceStart ?? '',
        message: message ?? '',
        expectedVersion: request.expectedVersion,
      },
      context(request),
    );
    return meetingReply(cancelled);
  }

  @Route(respondToInvitation)
  async respond(@Edge() request: EdgeRequest<typeof respondToInvitation>) {
    const { response, comment, occurrenceStart, proposal, attendeeUserId, attendeeEmail } = request.body;
    const answered = await this.services.call<MeetingReply>(
      'meeting',
      'RespondToInvitation',
      {
        meetingId: request.params.meetingId,
        response,
        comment: comment ?? '',
        occurrenceStart: occurrenceStart ?? '',
        ...(proposal ? { proposal } : {}),
        attendeeUserId: attendeeUserId ?? '',
        attendeeEmail: attendeeEmail ?? '',
      },
      context(request),
    );
    return meetingReply(answered);
  }

  @Route(acceptProposal)
  async accept(@Edge() request: EdgeRequest<typeof acceptProposal>) {
    const { attendeeUserId, attendeeEmail, occurrenceStart } = request.body;
    const moved = await this.services.call<MeetingReply>(
      'meeting',
      'AcceptProposal',
      {
        meetingId: request.params.meetingId,
        attendeeUserId: attendeeUserId ?? '',
        attendeeEmail: attendeeEmail ?? '',
        occurrenceStart: occurrenceStart ?? '',
        expectedVersion: request.expectedVersion,
      },
      context(request),
    );
    return meetingReply(moved);
  }

  @Route(listMyMeetings)
  async mine(@Edge() request: EdgeRequest<typeof listMyMeetings>) {
    const { from, to, includeDeclined, limit, cursor } = request.query;
    const found = await this.services.call<{ items: OccurrenceReply[]; nextCursor: string }>(
      'meeting',
      'ListMyMeetings',
      { from: from ?? '', to: to ?? '', includeDeclined, limit: limit ?? 0, cursor: cursor ?? '' },
      context(request),
    );
    return pageOf(found, occurrenceOut);
  }

  @Route(freeBusy)
  async freeBusy(@Edge() request: EdgeRequest<typeof freeBusy>) {
    const { users, from, to } = request.query;
    const found = await this.services.call<{
      users: {
        userId: string;
        busy: Span[];
        entries: (Span & { busyOnly: boolean; meetingId: string; title: string; response: string })[];
        timeZone: string;
      }[];
    }>('meeting', 'GetFreeBusy', { userIds: users, from, to }, context(request));
    return {
      users: found.users.map((user) => ({
        userId: user.userId,
        busy: user.busy.map(span),
        entries: user.entries.map((entry) => ({
          start: entry.start,
          end: entry.end,
          busyOnly: entry.busyOnly,
          meetingId: optional(entry.meetingId),
          title: optional(entry.title),
          response: optional(entry.response),
        })),
        timeZone: optional(user.timeZone),
      })),
    };
  }

  @Route(findTimes)
  async findTimes(@Edge() request: EdgeRequest<typeof findTimes>) {
    const { requiredAttendees, optionalAttendees, room, ...rest } = request.body;
    const found = await this.services.call<{
      candidates: {
        start: string;
        end: string;
        confidence: number;
        attendeeShare: number;
        attendees: { userId: string; availability: string; required: boolean }[];
        roomIds: string[];
      }[];
      reason: string;
      unknownAttendees: string[];
      roomsConsidered: string[];
    }>(
      'scheduling',
      'FindTimes',
      {
        ...rest,
        requiredAttendees: requiredAttendees ?? [],
        optionalAttendees: optionalAttendees ?? [],
        ...(room ? { room: { ...room, amenities: room.amenities ?? [], roomIds: room.roomIds ?? [] } } : {}),
      },
      context(request),
    );
    return {
      candidates: found.candidates.map((candidate) => ({
        start: candidate.start,
        end: candidate.end,
        confidence: candidate.confidence,
        attendeeShare: candidate.attendeeShare,
        attendees: candidate.attendees.map((attendee) => ({
          userId: attendee.userId,
          availability: attendee.availability,
          required: attendee.required,
        })),
        roomIds: candidate.roomIds,
      })),
      reason: optional(found.reason),
      unknownAttendees: found.unknownAttendees,
      roomsConsidered: found.roomsConsidered,
    };
  }

  @Route(userFeedToken)
  async userToken(@Edge() request: EdgeRequest<typeof userFeedToken>) {
    return this.token('GetCalendarFeedToken', 'user', request.params.userId, request);
  }

  @Route(rotateUserFeedToken)
  async rotateUserToken(@Edge() request: EdgeRequest<typeof rotateUserFeedToken>) {
    return this.token('RotateCalendarFeedToken', 'user', request.params.userId, request);
  }

  @Route(roomFeedToken)
  async roomToken(@Edge() request: EdgeRequest<typeof roomFeedToken>) {
    return this.token('GetCalendarFeedToken', 'room', request.params.roomId, request);
  }

  @Route(rotateRoomFeedToken)
  async rotateRoomToken(@Edge() request: EdgeRequest<typeof rotateRoomFeedToken>) {
    return this.token('RotateCalendarFeedToken', 'room', request.params.roomId, request);
  }

  @Route(userFeed)
  async userFeed(
    @Edge() request: EdgeRequest<typeof userFeed>,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.feed('user', request.params.userId, request.query.token, response);
  }

  @Route(roomFeed)
  async roomFeed(
    @Edge() request: EdgeRequest<typeof roomFeed>,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.feed('room', request.params.roomId, request.query.token, response);
  }

  private async token(method: string, kind: 'user' | 'room', feedId: string, request: EdgeRequest) {
    const token = await this.services.call<FeedTokenReply>(
      'meeting',
      method,
      { kind, id: feedId },
      context(request),
    );
    return tokenOut(token);
  }

  /** The token is the credential: no caller identity travels. The body is iCalendar text, not JSON. */
  private async feed(kind: 'user' | 'room', feedId: string, token: string | undefined, response: Response) {
    if (!token) throw new ProblemError('unauthenticated', 'the feed needs its token: ?token=...');
    const feed = await this.services.call<{ contentType: string; body: string }>(
      'meeting',
      'GetCalendarFeed',
      {
        kind,
        id: feedId,
        token,
      },
    );
    response.setHeader('Content-Type', feed.contentType || 'text/calendar; charset=utf-8');
    response.setHeader('Cache-Control', 'private, no-store');
    return feed.body;
  }
}
