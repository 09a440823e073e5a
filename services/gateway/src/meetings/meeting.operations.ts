import { z } from 'zod';
import { operation } from '../edge/operation';
import {
  atLeastOneField,
  cursorQuery,
  id,
  instant,
  page,
  text,
  timeSpan,
  timeZone,
  utc,
} from '../edge/schemas';

/** Meetings, their answers and proposals, free/busy, the scheduling assistant and calendar feeds. */

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const answer = z.enum(['needs-action', 'accepted', 'declined', 'tentative']);
const scope = z
  .enum(['all', 'this', 'following'])
  .meta({ description: '`all` (default), `this` occurrence, or this and the `following` ones' });
const occurrenceStart = instant(
  'For scope this/following: the occurrence’s original start (as the rule generated it)',
  '2026-12-08T09:00:00+01:00',
);
const visibility = z.enum(['public', 'private']);
const onConflict = z
  .enum(['all-or-nothing', 'skip-conflicts'])
  .meta({ description: 'A series with a room: refuse it all (default) or book the free occurrences' });

// ---- replies ----

const proposal = z
  .object({ start: utc('Proposed start'), end: utc('Proposed end') })
  .meta({ id: 'Proposal' });

const attendee = z
  .object({
    userId: id('An internal attendee').optional(),
    email: z.string().optional().meta({ description: 'An external guest' }),
    required: z.boolean(),
    response: answer,
    comment: z.string().optional(),
    proposal: proposal.optional(),
  })
  .meta({ id: 'Attendee' });

const meetingRoom = z
  .object({
    roomId: id('The room'),
    bookingId: z.string().optional().meta({ description: 'The booking (a series: its room series id)' }),
  })
  .meta({ id: 'MeetingRoom' });

const recurrenceRuleFields = {
  frequency: z.enum(['daily', 'weekly', 'monthly', 'yearly']),
  interval: z.int().min(1).max(1_000).optional().meta({ description: 'INTERVAL (default 1)' }),
  byWeekday: z.array(weekday).max(7).optional().meta({ description: 'BYDAY' }),
  weekdayPosition: z
    .int()
    .min(-5)
    .max(5)
    .optional()
    .meta({ description: 'With byWeekday for monthly/yearly rules: 1..5, or -1..-5 from the end' }),
  byMonthDay: z.array(z.int().min(-31).max(31)).max(31).optional(),
  byMonth: z.array(z.int().min(1).max(12)).max(12).optional(),
  count: z.int().min(1).max(10_000).optional().meta({ description: 'COUNT (not with until)' }),
};

const recurrenceRuleOut = z
  .object({
    frequency: z.string(),
    interval: z.int().optional(),
    byWeekday: z.array(z.string()),
    weekdayPosition: z.int().optional(),
    byMonthDay: z.array(z.int()),
    byMonth: z.array(z.int()),
    count: z.int().optional(),
    until: utc('UNTIL, inclusive').optional(),
  })
  .meta({ id: 'RecurrenceRule' });

const recurrenceOut = z
  .object({
    rule: recurrenceRuleOut.optional(),
    exdates: z.array(utc('An occurrence that does not happen (its original start)')),
    rrule: z.string().meta({ description: 'The rule as iCalendar text', example: 'FREQ=WEEKLY;COUNT=10' }),
  })
  .meta({ id: 'Recurrence' });

const occurrenceAnswer = z
  .object({
    userId: z.string().optional(),
    email: z.string().optional(),
    response: z.string(),
    comment: z.string().optional(),
    proposal: proposal.optional(),
  })
  .meta({ id: 'OccurrenceAnswer' });

const occurrenceOverride = z
  .object({
    originalStart: utc('The start the rule gave it'),
    start: utc('Start'),
    end: utc('End'),
    title: z.string().optional(),
    description: z.string().optional(),
    room: meetingRoom.optional(),
    roomRemoved: z.boolean(),
    answers: z.array(occurrenceAnswer),
  })
  .meta({ id: 'OccurrenceOverride' });

export const meeting = z
  .object({
    id: id('The meeting'),
    organizerId: id('The organizer'),
    title: z.string(),
    description: z.string().optional(),
    attendees: z.array(attendee).meta({ description: 'The organizer first' }),
    room: meetingRoom.optional(),
    start: utc('Start (a series: its first occurrence)'),
    end: utc('End'),
    timeZone: z.string().meta({ description: "The organizer's IANA zone" }),
    recurrence: recurrenceOut.optional(),
    overrides: z.array(occurrenceOverride),
    reminderMinutes: z.array(z.int()),
    visibility: z.string().meta({ description: 'public | private' }),
    allowProposals: z.boolean(),
    sequence: z.int().meta({ description: 'iCalendar SEQUENCE' }),
    status: z.string().meta({ description: 'scheduled | cancelled' }),
    version: z.int().meta({ description: "The meeting's version: its ETag" }),
    splitFrom: z
      .object({ meetingId: id('The series it was split from'), originalStart: utc('Where') })
      .optional(),
  })
  .meta({ id: 'Meeting' });

const meetingExample = {
  id: '3f9a2b1c-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  organizerId: '7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b',
  title: 'Design review',
  attendees: [
    { userId: '7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b', required: true, response: 'accepted' },
    { userId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', required: true, response: 'needs-action' },
  ],
  room: { roomId: '0b8f3c52-5d0e-4f7e-9a43-1f2d3c4b5a69', bookingId: '5c6b0a1e-8f3d-4c2a-9b7e-2d1f0e3c4b5a' },
  start: '2026-12-01T08:00:00Z',
  end: '2026-12-01T09:00:00Z',
  timeZone: 'Europe/Berlin',
  overrides: [],
  reminderMinutes: [15],
  visibility: 'public',
  allowProposals: true,
  sequence: 0,
  status: 'scheduled',
  version: 1,
};

const skipped = z
  .object({
    bookingId: z.string().optional(),
    start: utc('Start'),
    end: utc('End'),
    reason: z.string().meta({ description: 'slot_taken | policy_violation' }),
    rule: z.string().optional(),
    conflicts: z.array(timeSpan),
    alternatives: z.array(z.object({ roomId: z.string(), start: utc('Start'), end: utc('End') })),
  })
  .meta({ id: 'SkippedOccurrence' });

const meetingChange = z
  .object({
    meeting,
    continuation: meeting
      .optional()
      .meta({ description: 'Scope following: the series split off, continuing from occurrenceStart' }),
    attendeeConflicts: z
      .array(z.object({ userId: z.string(), busy: z.array(timeSpan) }))
      .meta({ description: "Attendees' busy time during the meeting (no titles)" }),
    room: z
      .object({
        booked: z.int().meta({ description: 'Occurrences (or the one booking) booked by this change' }),
        skipped: z.array(skipped),
        bookedUntil: utc('A series is booked up to here (the room’s booking window)').optional(),
      })
      .optional(),
  })
  .meta({ id: 'MeetingChange' });

const meetingChangeExample = {
  meeting: meetingExample,
  attendeeConflicts: [],
  room: { booked: 1, skipped: [] },
};

// ---- requests ----

const meetingParams = z.object({ meetingId: id('The meeting') });

const attendeeInput = z
  .object({
    userId: id('An internal user').optional(),
    email: z.email().max(320).optional().meta({ description: 'An external guest' }),
    optional: z.boolean().optional().meta({ description: 'Default false: required' }),
  })
  .strict()
  .refine(
    (input) => (input.userId === undefined) !== (input.email === undefined),
    'userId or email, not both',
  )
  .meta({ id: 'AttendeeInput', override: { oneOf: [{ required: ['userId'] }, { required: ['email'] }] } });

const recurrenceInput = z
  .object({
    rule: z
      .object({
        ...recurrenceRuleFields,
        until: instant('UNTIL, inclusive', '2027-06-30T23:59:59+02:00').optional(),
      })
      .strict(),
    exdates: z.array(occurrenceStart).max(1_000).optional(),
  })
  .strict()
  .meta({ id: 'RecurrenceInput' });

const reminderMinutes = z
  .array(z.int().min(0).max(40_320))
  .max(10)
  .meta({ description: 'Minutes before the start' });

const attendeesInput = z.array(attendeeInput).max(200);

export const scheduleMeeting = operation({
  id: 'scheduleMeeting',
  method: 'post',
  path: '/v1/meetings',
  tag: 'meetings',
  summary: 'Schedule a meeting, maybe with a room, maybe repeating',
  description:
    'With a room the room is booked first (`409 slot_taken` with alternatives when taken). Attendees who ' +
    'are busy are reported in `attendeeConflicts`; `strict` refuses with `409 attendees_busy` instead.',
  access: 'member',
  body: z
    .object({
      title: text(200, 1).trim().meta({ example: 'Design review' }),
      description: text(5_000).optional(),
      organizerId: id('Schedule on behalf of someone (admins only); default the caller').optional(),
      attendees: attendeesInput.optional(),
      roomId: id('The room').optional(),
      start: instant('Start (a series: its first occurrence)'),
      end: instant('End', '2026-12-01T10:00:00+01:00'),
      timeZone: timeZone
        .optional()
        .meta({ description: 'A series repeats at the same wall-clock time here (default UTC)' }),
      recurrence: recurrenceInput.optional(),
      reminderMinutes: reminderMinutes.optional(),
      visibility: visibility.optional(),
      allowProposals: z.boolean().optional().meta({ description: 'Default true' }),
      onConflict: onConflict.optional(),
      strict: z.boolean().optional().meta({ description: 'Refuse when an attendee is busy' }),
    })
    .strict(),
  requestExample: {
    title: 'Design review',
    attendees: [{ userId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' }],
    roomId: '0b8f3c52-5d0e-4f7e-9a43-1f2d3c4b5a69',
    start: '2026-12-01T09:00:00+01:00',
    end: '2026-12-01T10:00:00+01:00',
    timeZone: 'Europe/Berlin',
    reminderMinutes: [15],
  },
  success: {
    status: 201,
    description: 'Scheduled; the ETag is the meeting’s version',
    schema: meetingChange,
    example: meetingChangeExample,
    etag: true,
  },
  errors: [
    'not_found',
    'room_unknown',
    'slot_taken',
    'policy_violation',
    'attendees_busy',
    'forbidden',
    'already_exists',
    'contended',
  ],
});

export const getMeeting = operation({
  id: 'getMeeting',
  method: 'get',
  path: '/v1/meetings/{meetingId}',
  tag: 'meetings',
  summary: 'A meeting (a private one only for its organizer and attendees)',
  access: 'member',
  params: meetingParams,
  success: { status: 200, description: 'The meeting', schema: meeting, example: meetingExample, etag: true },
  errors: ['not_found'],
});

export const updateMeeting = operation({
  id: 'updateMeeting',
  method: 'patch',
  path: '/v1/meetings/{meetingId}',
  tag: 'meetings',
  summary: 'Change a meeting, one occurrence or a series from one occurrence on (organizer or admin)',
  description:
    'Absent fields stay as they are. `roomId: null` gives the room up, `recurrence: null` stops the repetition; ' +
    '`attendees` and `reminderMinutes` replace the whole list. Scope `following` splits the series: the ' +
    'occurrences from `occurrenceStart` on become a new meeting, returned as `continuation`.',
  access: 'member',
  params: meetingParams,
  body: atLeastOneField(
    z
      .object({
        scope: scope.optional(),
        occurrenceStart: occurrenceStart.optional(),
        title: text(200, 1).trim().optional(),
        description: text(5_000).optional(),
        start: instant('New start').optional(),
        end: instant('New end', '2026-12-01T10:30:00+01:00').optional(),
        timeZone: timeZone.optional(),
        recurrence: recurrenceInput.nullable().optional(),
        roomId: id('Another room').nullable().optional(),
        attendees: attendeesInput.optional(),
        reminderMinutes: reminderMinutes.optional(),
        visibility: visibility.optional(),
        allowProposals: z.boolean().optional(),
        onConflict: onConflict.optional(),
        strict: z.boolean().optional(),
      })
      .strict(),
  ),
  requestExample: { start: '2026-12-01T10:00:00+01:00', end: '2026-12-01T11:00:00+01:00' },
  ifMatch: true,
  success: {
    status: 200,
    description: 'Changed; the ETag is the meeting’s new version',
    schema: meetingChange,
    example: { ...meetingChangeExample, meeting: { ...meetingExample, version: 2, sequence: 1 } },
    etag: true,
  },
  errors: [
    'not_found',
    'forbidden',
    'room_unknown',
    'slot_taken',
    'policy_violation',
    'attendees_busy',
    'invalid_meeting_state',
    'contended',
  ],
});

export const cancelMeeting = operation({
  id: 'cancelMeeting',
  method: 'post',
  path: '/v1/meetings/{meetingId}/cancel',
  tag: 'meetings',
  summary: 'Cancel a meeting, one occurrence or the following ones (organizer or admin)',
  description: 'The room bookings are cancelled too; `message` goes to the attendees.',
  access: 'member',
  params: meetingParams,
  body: z
    .object({
      scope: scope.optional(),
      occurrenceStart: occurrenceStart.optional(),
      message: text(1_000).optional(),
    })
    .strict(),
  requestExample: { message: 'We decided by e-mail' },
  ifMatch: true,
  success: {
    status: 200,
    description: 'Cancelled',
    schema: meeting,
    example: { ...meetingExample, status: 'cancelled', version: 2, sequence: 1 },
    etag: true,
  },
  errors: ['not_found', 'forbidden', 'invalid_meeting_state', 'contended'],
});

export const respondToInvitation = operation({
  id: 'respondToMeeting',
  method: 'post',
  path: '/v1/meetings/{meetingId}/responses',
  tag: 'meetings',
  summary: 'Answer an invitation, maybe proposing another time',
  description:
    'For the meeting, the series, or one occurrence (`occurrenceStart`). Answering for someone else ' +
    '(`attendeeUserId`, `attendeeEmail`) is for admins.',
  access: 'member',
  params: meetingParams,
  body: z
    .object({
      response: z.enum(['accepted', 'declined', 'tentative']),
      comment: text(1_000).optional(),
      occurrenceStart: occurrenceStart.optional(),
      proposal: z
        .object({
          start: instant('Proposed start'),
          end: instant('Proposed end', '2026-12-01T11:00:00+01:00'),
        })
        .strict()
        .optional(),
      attendeeUserId: id('Answer for this user (admins)').optional(),
      attendeeEmail: z.email().max(320).optional().meta({ description: 'Answer for this guest (admins)' }),
    })
    .strict(),
  requestExample: {
    response: 'tentative',
    comment: 'Could we do an hour later?',
    proposal: { start: '2026-12-01T10:00:00+01:00', end: '2026-12-01T11:00:00+01:00' },
  },
  success: {
    status: 200,
    description: 'Answered',
    schema: meeting,
    example: { ...meetingExample, version: 2 },
    etag: true,
  },
  errors: ['not_found', 'forbidden', 'invalid_meeting_state', 'contended'],
});

export const acceptProposal = operation({
  id: 'acceptMeetingProposal',
  method: 'post',
  path: '/v1/meetings/{meetingId}/proposals/accept',
  tag: 'meetings',
  summary: "Take an attendee's proposed time (organizer or admin): the meeting and its room move",
  access: 'member',
  params: meetingParams,
  body: z
    .object({
      attendeeUserId: id('Whose proposal').optional(),
      attendeeEmail: z.email().max(320).optional().meta({ description: "Whose proposal (a guest's)" }),
      occurrenceStart: occurrenceStart.optional(),
    })
    .strict(),
  requestExample: { attendeeUserId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' },
  ifMatch: true,
  success: {
    status: 200,
    description: 'Moved to the proposed time',
    schema: meeting,
    example: { ...meetingExample, version: 3, sequence: 1 },
    etag: true,
  },
  errors: ['not_found', 'forbidden', 'slot_taken', 'policy_violation', 'invalid_meeting_state', 'contended'],
});

const meetingOccurrence = z
  .object({
    meetingId: id('The meeting'),
    originalStart: utc('The start the rule gave it'),
    start: utc('Start'),
    end: utc('End'),
    title: z.string(),
    organizerId: id('The organizer'),
    roomId: id('The room').optional(),
    response: z.string().meta({ description: 'My answer for this occurrence' }),
    recurring: z.boolean(),
    visibility: z.string(),
  })
  .meta({ id: 'MeetingOccurrence' });

const booleanQuery = z
  .enum(['true', 'false'])
  .optional()
  .transform((value) => value === 'true');

export const listMyMeetings = operation({
  id: 'listMyMeetings',
  method: 'get',
  path: '/v1/users/me/meetings',
  tag: 'meetings',
  summary: 'My meetings in a window, one item per occurrence, by start',
  description:
    'Default window: now to 30 days ahead (at most 366 days). Declined ones only with `includeDeclined`.',
  access: 'member',
  query: z
    .object({
      from: instant('From', '2026-12-01T00:00:00+01:00').optional(),
      to: instant('To', '2026-12-31T00:00:00+01:00').optional(),
      includeDeclined: booleanQuery,
      ...cursorQuery,
    })
    .refine((query) => !query.from || !query.to || Date.parse(query.from) < Date.parse(query.to), {
      message: 'must be after from',
      path: ['to'],
    }),
  success: {
    status: 200,
    description: 'A page of occurrences',
    schema: page(meetingOccurrence, 'MeetingOccurrencePage'),
    example: {
      items: [
        {
          meetingId: meetingExample.id,
          originalStart: meetingExample.start,
          start: meetingExample.start,
          end: meetingExample.end,
          title: meetingExample.title,
          organizerId: meetingExample.organizerId,
          roomId: meetingExample.room.roomId,
          response: 'accepted',
          recurring: false,
          visibility: 'public',
        },
      ],
      nextCursor: null,
    },
  },
  errors: [],
});

export const freeBusy = operation({
  id: 'getFreeBusy',
  method: 'get',
  path: '/v1/users/free-busy',
  tag: 'meetings',
  summary: 'Busy time of up to 100 people in a window (at most 62 days)',
  description: "Another person's private meeting shows as `busyOnly`, without id or title.",
  access: 'member',
  query: z
    .object({
      users: z
        .string()
        .regex(new RegExp(`^${UUID}(?:,${UUID}){0,99}$`), '1 to 100 comma-separated user ids')
        .meta({ description: 'Comma-separated user ids (1..100)', example: meetingExample.organizerId })
        .transform((value) => value.split(',')),
      from: instant('From', '2026-12-01T00:00:00+01:00'),
      to: instant('To', '2026-12-02T00:00:00+01:00'),
    })
    .refine((query) => Date.parse(query.from) < Date.parse(query.to), {
      message: 'must be after from',
      path: ['to'],
    }),
  success: {
    status: 200,
    description: 'Busy time per user',
    schema: z
      .object({
        users: z.array(
          z.object({
            userId: z.string(),
            busy: z.array(timeSpan).meta({ description: 'Merged, within the window' }),
            entries: z.array(
              z.object({
                start: utc('Start'),
                end: utc('End'),
                busyOnly: z.boolean(),
                meetingId: z.string().optional(),
                title: z.string().optional(),
                response: z.string().optional(),
              }),
            ),
            timeZone: z.string().optional(),
          }),
        ),
      })
      .meta({ id: 'FreeBusy' }),
    example: {
      users: [
        {
          userId: meetingExample.organizerId,
          busy: [{ start: meetingExample.start, end: meetingExample.end }],
          entries: [
            {
              start: meetingExample.start,
              end: meetingExample.end,
              busyOnly: false,
              meetingId: meetingExample.id,
              title: meetingExample.title,
              response: 'accepted',
            },
          ],
          timeZone: 'Europe/Berlin',
        },
      ],
    },
  },
  errors: [],
});

export const findTimes = operation({
  id: 'findMeetingTimes',
  method: 'post',
  path: '/v1/scheduling/find-times',
  tag: 'scheduling',
  summary: 'When could these people (and a room) meet?',
  description:
    'Start times in [from, to) (at most 31 days) where every required attendee is free within their working ' +
    'hours, at least `minAttendeeShare` of all are, and (if asked) a matching room is free; best first. The ' +
    'caller is a required attendee unless `excludeCaller`.',
  access: 'member',
  body: z
    .object({
      requiredAttendees: z.array(id('A user')).max(100).optional(),
      optionalAttendees: z.array(id('A user')).max(100).optional(),
      excludeCaller: z.boolean().optional(),
      durationMinutes: z.int().min(1).max(1_440),
      from: instant('From', '2026-12-01T00:00:00+01:00'),
      to: instant('To', '2026-12-05T00:00:00+01:00'),
      timeZone: timeZone.optional().meta({ description: 'For attendees without a profile (default UTC)' }),
      ignoreWorkingHours: z.boolean().optional(),
      stepMinutes: z.int().min(1).max(1_440).optional().meta({ description: 'Default 15' }),
      maxCandidates: z.int().min(1).max(100).optional().meta({ description: 'Default 10' }),
      minAttendeeShare: z.number().min(0).max(1).optional(),
      room: z
        .object({
          minCapacity: z.int().min(0).max(10_000).optional(),
          amenities: z.array(text(64, 1)).max(50).optional(),
          building: text(100).optional(),
          roomIds: z.array(id('A room')).max(100).optional(),
        })
        .strict()
        .optional()
        .meta({ description: 'Absent: no room needed' }),
    })
    .strict(),
  requestExample: {
    requiredAttendees: ['1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'],
    durationMinutes: 60,
    from: '2026-12-01T08:00:00+01:00',
    to: '2026-12-03T18:00:00+01:00',
    room: { amenities: ['projector'] },
  },
  success: {
    status: 200,
    description: 'Candidates, best first',
    schema: z
      .object({
        candidates: z.array(
          z.object({
            start: utc('Start'),
            end: utc('End'),
            confidence: z.number(),
            attendeeShare: z.number(),
            attendees: z.array(
              z.object({
                userId: z.string(),
                availability: z.string().meta({ description: 'free | busy | outside_working_hours' }),
                required: z.boolean(),
              }),
            ),
            roomIds: z.array(z.string()),
          }),
        ),
        reason: z
          .string()
          .optional()
          .meta({ description: 'No candidates: attendees_unavailable | outside_working_hours | no_room' }),
        unknownAttendees: z.array(z.string()),
        roomsConsidered: z.array(z.string()),
      })
      .meta({ id: 'TimeCandidates' }),
    example: {
      candidates: [
        {
          start: '2026-12-01T08:00:00Z',
          end: '2026-12-01T09:00:00Z',
          confidence: 1,
          attendeeShare: 1,
          attendees: [
            { userId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', availability: 'free', required: true },
          ],
          roomIds: ['0b8f3c52-5d0e-4f7e-9a43-1f2d3c4b5a69'],
        },
      ],
      unknownAttendees: [],
      roomsConsidered: ['0b8f3c52-5d0e-4f7e-9a43-1f2d3c4b5a69'],
    },
  },
  errors: [],
});

// ---- calendar feeds ----

const feedToken = z
  .object({
    kind: z.enum(['user', 'room']),
    id: z.string(),
    token: z.string().meta({ description: 'The secret: whoever has it can read the feed' }),
    path: z.string().meta({ description: 'Where the feed is served, token included' }),
  })
  .meta({ id: 'CalendarFeedToken' });
const feedTokenExample = (kind: 'user' | 'room', feedId: string) => ({
  kind,
  id: feedId,
  token: 'q3V9cJx2b8k1Zt0mN4pR7sW6yA5dF2gH',
  path: `/v1/calendars/${kind}s/${feedId}.ics?token=q3V9cJx2b8k1Zt0mN4pR7sW6yA5dF2gH`,
});
const userParams = z.object({ userId: id('The user') });
const roomParams = z.object({ roomId: id('The room') });

export const userFeedToken = operation({
  id: 'getUserCalendarToken',
  method: 'get',
  path: '/v1/calendars/users/{userId}/token',
  tag: 'calendars',
  summary: "The secret token of a user's calendar feed, created on first use (the user or an admin)",
  access: 'member',
  params: userParams,
  success: {
    status: 200,
    description: 'The token and the feed path',
    schema: feedToken,
    example: feedTokenExample('user', meetingExample.organizerId),
  },
  errors: ['not_found', 'forbidden'],
});

export const rotateUserFeedToken = operation({
  id: 'rotateUserCalendarToken',
  method: 'post',
  path: '/v1/calendars/users/{userId}/token/rotate',
  tag: 'calendars',
  summary: "A new token for a user's calendar feed; the old URL stops working (the user or an admin)",
  access: 'member',
  params: userParams,
  success: {
    status: 200,
    description: 'The new token',
    schema: feedToken,
    example: feedTokenExample('user', meetingExample.organizerId),
  },
  errors: ['not_found', 'forbidden'],
});

export const roomFeedToken = operation({
  id: 'getRoomCalendarToken',
  method: 'get',
  path: '/v1/calendars/rooms/{roomId}/token',
  tag: 'calendars',
  summary: "The secret token of a room's calendar feed, created on first use",
  access: 'member',
  params: roomParams,
  success: {
    status: 200,
    description: 'The token and the feed path',
    schema: feedToken,
    example: feedTokenExample('room', meetingExample.room.roomId),
  },
  errors: ['not_found', 'room_unknown'],
});

export const rotateRoomFeedToken = operation({
  id: 'rotateRoomCalendarToken',
  method: 'post',
  path: '/v1/calendars/rooms/{roomId}/token/rotate',
  tag: 'calendars',
  summary: "A new token for a room's calendar feed; the old URL stops working (admins)",
  access: 'admin',
  params: roomParams,
  success: {
    status: 200,
    description: 'The new token',
    schema: feedToken,
    example: feedTokenExample('room', meetingExample.room.roomId),
  },
  errors: ['not_found', 'room_unknown'],
});

const feedQuery = z.object({
  token: z.string().max(512).optional().meta({
    description: 'The feed token (missing: 401; wrong or rotated: 404)',
    example: 'q3V9cJx2b8k1Zt0mN4pR7sW6yA5dF2gH',
  }),
});
const feedSuccess = {
  status: 200,
  description: 'The calendar as iCalendar text (RFC 5545)',
  contentType: 'text/calendar',
  schema: z.string().meta({ description: 'RFC 5545 iCalendar text' }),
  example: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//roomledger//EN\r\n...\r\nEND:VCALENDAR\r\n',
};

export const userFeed = operation({
  id: 'getUserCalendarFeed',
  method: 'get',
  path: '/v1/calendars/users/{userId}.ics',
  tag: 'calendars',
  summary: "A user's meetings as an iCalendar feed (the token is the credential)",
  access: 'public',
  params: userParams,
  query: feedQuery,
  success: feedSuccess,
  errors: ['unauthenticated', 'not_found'],
});

export const roomFeed = operation({
  id: 'getRoomCalendarFeed',
  method: 'get',
  path: '/v1/calendars/rooms/{roomId}.ics',
  tag: 'calendars',
  summary: "A room's bookings as an iCalendar feed (private meetings as Busy; the token is the credential)",
  access: 'public',
  params: roomParams,
  query: feedQuery,
  success: feedSuccess,
  errors: ['unauthenticated', 'not_found'],
});
