import type {
  BookingCancelledPayload,
  BookingConfirmedPayload,
  BookingExpiredPayload,
  BookingHeldPayload,
  BookingRescheduledPayload,
  EventPayloads,
  EventTopic,
  MaintenanceBlockedPayload,
  MaintenanceLiftedPayload,
  InvitationRespondedPayload,
  MeetingCancelledPayload,
  MeetingPayload,
  MeetingScheduledPayload,
  MeetingUpdatedPayload,
  OccurrenceConflictedPayload,
  RoomEventPayload,
  SeriesSplitPayload,
  UserDeactivatedPayload,
  UserErasedPayload,
  UserEventPayload,
} from './event-schemas';

// One booking's morning in room Spree 3.12, the room itself and its organizer: realistic payloads of every
// public event.

type Json = Record<string, unknown>;

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
/** Only the required properties of T, none missing and (checked by `satisfies`) none extra. */
type Minimal<T> = Pick<T, RequiredKeys<T>>;

const bookingId = '0f8fad5b-d9cb-469f-a165-70867728950e';
const roomId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const organizerId = '9b2d7c1a-3f4e-4b6a-8c1d-2e3f4a5b6c7d';
const facilityManager = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b';
const blockId = 'a3bb189e-8bf9-3888-9912-ace4e6543002';

const booking = {
  bookingId,
  roomId,
  start: '2026-03-02T09:00:00Z',
  end: '2026-03-02T10:00:00Z',
  organizerId,
  occurredAt: '2026-03-02T08:15:00Z',
  version: 1,
  streamRevision: 41,
};
const optionalBookingFields = {
  title: 'Sprint planning',
  meetingId: 'c56a4180-65aa-42ec-a945-5fd21dec0538',
  seriesId: 'd9428888-122b-4d1e-8fd8-1c5a1b1a0f55',
};

export const held = {
  ...booking,
  status: 'held',
  expiresAt: '2026-03-02T08:20:00Z',
  heldBy: organizerId,
} satisfies Minimal<BookingHeldPayload>;

export const confirmed = {
  ...booking,
  status: 'confirmed',
  occurredAt: '2026-03-02T08:17:30.250Z',
  version: 2,
  streamRevision: 42,
} satisfies Minimal<BookingConfirmedPayload>;

export const expired = {
  ...booking,
  status: 'expired',
  occurredAt: '2026-03-02T08:20:00Z',
  version: 2,
  streamRevision: 43,
  expiresAt: '2026-03-02T08:20:00Z',
} satisfies Minimal<BookingExpiredPayload>;

export const rescheduled = {
  ...booking,
  start: '2026-03-02T10:00:00Z',
  end: '2026-03-02T11:00:00Z',
  status: 'confirmed',
  occurredAt: '2026-03-02T08:25:00Z',
  version: 3,
  streamRevision: 44,
  previous: { start: '2026-03-02T09:00:00Z', end: '2026-03-02T10:00:00Z' },
  rescheduledBy: organizerId,
} satisfies Minimal<BookingRescheduledPayload>;

export const blocked = {
  blockId,
  roomId,
  start: '2026-03-02T08:45:00Z',
  end: '2026-03-02T12:00:00Z',
  occurredAt: '2026-03-02T08:30:00Z',
  streamRevision: 45,
  placedBy: facilityManager,
  cancelledBookingIds: [bookingId],
} satisfies Minimal<MaintenanceBlockedPayload>;

export const cancelled = {
  ...booking,
  start: rescheduled.start,
  end: rescheduled.end,
  status: 'cancelled',
  occurredAt: '2026-03-02T08:30:00Z',
  version: 4,
  streamRevision: 46,
  cancelledBy: facilityManager,
  previousStatus: 'confirmed',
} satisfies Minimal<BookingCancelledPayload>;

export const lifted = {
  blockId,
  roomId,
  start: blocked.start,
  end: blocked.end,
  occurredAt: '2026-03-02T11:05:00Z',
  streamRevision: 47,
  liftedBy: facilityManager,
} satisfies Minimal<MaintenanceLiftedPayload>;

export const room = {
  roomId,
  version: 1,
  occurredAt: '2026-02-16T10:00:00Z',
  name: 'Spree 3.12',
  capacity: 8,
  seats: 1,
  timeZone: 'Europe/Berlin',
  amenities: ['display', 'whiteboard'],
  accessibility: ['step-free'],
  openingHours: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((weekday) => ({
    weekday,
    opens: '07:00',
    closes: '20:00',
  })),
  closures: [],
  policy: {
    minDurationMinutes: 15,
    maxDurationMinutes: 480,
    bookingWindowDays: 90,
    minNoticeMinutes: 0,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 10,
  },
  retired: false,
} satisfies Minimal<RoomEventPayload>;

const completeRoom = {
  ...room,
  building: 'Spree',
  floor: '3',
  openingHours: [{ weekday: 'sat', opens: '22:00', closes: '02:00' }],
  closures: [{ date: '2026-12-24', from: '13:00', to: '24:00', reason: 'Christmas Eve' }],
} satisfies Required<RoomEventPayload>;

export const user = {
  userId: organizerId,
  version: 1,
  occurredAt: '2026-02-02T08:00:00Z',
  email: 'ada@example.org',
  name: 'Ada Lovelace',
  timeZone: 'Europe/London',
  workingHours: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((weekday) => ({
    weekday,
    start: '09:00',
    end: '17:30',
  })),
  roles: ['member'],
  preferences: { channels: ['email', 'in-app'], reminderOffsetsMinutes: [10, 60] },
  deactivated: false,
} satisfies Minimal<UserEventPayload>;

export const deactivated = {
  ...user,
  version: 6,
  occurredAt: '2026-09-30T17:00:00Z',
  deactivated: true,
} satisfies Minimal<UserDeactivatedPayload>;

export const erased = {
  userId: organizerId,
  occurredAt: '2026-10-01T09:00:00Z',
} satisfies Minimal<UserErasedPayload>;

// A weekly planning series in the same room, organised by the same person, with a guest from outside.

const meetingId = 'c56a4180-65aa-42ec-a945-5fd21dec0538';
const continuationId = '4b1c2d3e-5f60-4718-92a3-b4c5d6e7f809';
const seriesId = 'd9428888-122b-4d1e-8fd8-1c5a1b1a0f55';
const colleague = '2f1e0d9c-8b7a-4695-a4b3-c2d1e0f9a8b7';

const meeting = {
  meetingId,
  organizerId,
  title: 'Sprint planning',
  description: '',
  attendees: [
    { userId: organizerId, required: true, response: 'accepted' },
    { userId: colleague, required: true, response: 'needs-action' },
    { email: 'guest@example.com', required: false, response: 'tentative' },
  ],
  start: '2026-03-02T09:00:00Z',
  end: '2026-03-02T10:00:00Z',
  timeZone: 'Europe/Berlin',
  overrides: [],
  reminderMinutes: [10],
  visibility: 'public',
  allowProposals: true,
  sequence: 0,
} satisfies Minimal<MeetingPayload>;

const completeMeeting = {
  ...meeting,
  description: 'Plan the next two weeks.',
  attendees: [
    {
      userId: colleague,
      email: 'colleague@example.com',
      required: true,
      response: 'declined',
      comment: 'Could we start later?',
      proposal: { start: '2026-03-02T10:00:00Z', end: '2026-03-02T11:00:00Z' },
    },
  ],
  room: { roomId, bookingId: seriesId },
  recurrence: {
    rule: {
      frequency: 'weekly',
      interval: 1,
      byWeekday: ['mon'],
      weekdayPosition: 1,
      byMonthDay: [2],
      byMonth: [3],
      count: 52,
      until: '2027-02-22T08:00:00Z',
    },
    exdates: ['2026-03-16T08:00:00Z'],
    rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=52',
  },
  overrides: [
    {
      originalStart: '2026-03-09T08:00:00Z',
      start: '2026-03-09T09:00:00Z',
      end: '2026-03-09T10:00:00Z',
      title: 'Sprint planning (later)',
      description: 'Moved for the all-hands.',
      room: null,
      responses: { [`user:${colleague}`]: { response: 'accepted' } },
    },
  ],
  splitFrom: { meetingId: continuationId, originalStart: '2026-03-02T08:00:00Z' },
} satisfies Required<MeetingPayload>;

export const meetingScheduled = {
  ...meeting,
  scheduledBy: organizerId,
  occurredAt: '2026-02-27T15:00:00Z',
  streamRevision: 0,
} satisfies Minimal<MeetingScheduledPayload>;

export const meetingUpdated = {
  meetingId,
  organizerId,
  sequence: 1,
  scope: 'all',
  changed: ['start', 'end'],
  timeChanged: true,
  updatedBy: organizerId,
  occurredAt: '2026-02-28T10:00:00Z',
  streamRevision: 3,
} satisfies Minimal<MeetingUpdatedPayload>;

export const meetingCancelled = {
  meetingId,
  organizerId,
  sequence: 2,
  scope: 'this',
  cancelledBy: organizerId,
  occurredAt: '2026-03-01T10:00:00Z',
  streamRevision: 4,
} satisfies Minimal<MeetingCancelledPayload>;

export const invitationResponded = {
  meetingId,
  attendee: { userId: colleague },
  response: 'accepted',
  occurredAt: '2026-02-27T16:00:00Z',
  streamRevision: 1,
} satisfies Minimal<InvitationRespondedPayload>;

export const seriesSplit = {
  meetingId,
  organizerId,
  sequence: 3,
  originalStart: '2026-04-06T07:00:00Z',
  until: '2026-04-06T06:59:59Z',
  newMeetingId: continuationId,
  continuation: {
    ...meeting,
    meetingId: continuationId,
    start: '2026-04-06T07:00:00Z',
    end: '2026-04-06T08:00:00Z',
  },
  splitBy: organizerId,
  occurredAt: '2026-03-20T10:00:00Z',
  streamRevision: 5,
} satisfies Minimal<SeriesSplitPayload>;

export const occurrenceConflicted = {
  meetingId,
  roomId,
  seriesId,
  organizerId,
  occurrences: [
    {
      bookingId: '6e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098',
      start: '2026-05-11T07:00:00Z',
      end: '2026-05-11T08:00:00Z',
      reason: 'slot_taken',
    },
  ],
  occurredAt: '2026-02-27T15:00:00Z',
  streamRevision: 48,
} satisfies Minimal<OccurrenceConflictedPayload>;

/** Per event type: a minimal payload (required properties only) and a complete one (every property). */
export function examples(): [EventTopic, never, Json, Json][] {
  const rows: {
    [T in EventTopic]: {
      [N in keyof EventPayloads[T]]: [Minimal<EventPayloads[T][N]>, Required<EventPayloads[T][N]>];
    };
  } = {
    'booking.events.v1': {
      held: [held, { ...held, ...optionalBookingFields }],
      confirmed: [confirmed, { ...confirmed, ...optionalBookingFields }],
      cancelled: [
        cancelled,
        { ...cancelled, ...optionalBookingFields, reason: 'maintenance', maintenanceBlockId: blockId },
      ],
      expired: [expired, { ...expired, ...optionalBookingFields }],
      rescheduled: [rescheduled, { ...rescheduled, ...optionalBookingFields }],
      'maintenance-blocked': [blocked, { ...blocked, reason: 'Projector replacement' }],
      'maintenance-lifted': [lifted, lifted],
    },
    'meeting.events.v1': {
      scheduled: [meetingScheduled, { ...meetingScheduled, ...completeMeeting }],
      updated: [
        meetingUpdated,
        {
          ...meetingUpdated,
          meeting: completeMeeting,
          removedAttendees: [{ userId: colleague, email: 'colleague@example.com' }],
          occurrence: {
            originalStart: '2026-03-09T08:00:00Z',
            start: '2026-03-09T09:00:00Z',
            end: '2026-03-09T10:00:00Z',
            title: 'Sprint planning (later)',
            description: 'Moved for the all-hands.',
            room: { roomId, bookingId: seriesId },
          },
          proposalOf: { userId: colleague, email: 'colleague@example.com' },
        },
      ],
      cancelled: [
        meetingCancelled,
        {
          ...meetingCancelled,
          attendees: completeMeeting.attendees,
          message: 'Public holiday.',
          originalStart: '2026-04-06T07:00:00Z',
          start: '2026-04-06T07:00:00Z',
          end: '2026-04-06T08:00:00Z',
          until: '2026-04-06T06:59:59Z',
        },
      ],
      'invitation-responded': [
        invitationResponded,
        {
          ...invitationResponded,
          attendee: { userId: colleague, email: 'colleague@example.com' },
          response: 'declined',
          occurrenceStart: '2026-03-09T08:00:00Z',
          comment: 'Travelling.',
          proposal: { start: '2026-03-10T08:00:00Z', end: '2026-03-10T09:00:00Z' },
        },
      ],
      'series-split': [seriesSplit, { ...seriesSplit, continuation: completeMeeting }],
      'occurrence-conflicted': [
        occurrenceConflicted,
        {
          ...occurrenceConflicted,
          occurrences: [
            {
              ...occurrenceConflicted.occurrences[0],
              rule: 'beyond_window',
              conflicts: [{ start: '2026-05-11T06:30:00Z', end: '2026-05-11T08:00:00Z' }],
            },
          ],
        },
      ],
    },
    'room.events.v1': {
      registered: [room, completeRoom],
      updated: [
        { ...room, version: 2, capacity: 10 },
        { ...completeRoom, version: 2 },
      ],
      'policy-changed': [
        { ...room, version: 3, closures: [{ date: '2026-04-03' }] },
        { ...completeRoom, version: 3 },
      ],
      retired: [
        { ...room, version: 4, retired: true },
        { ...completeRoom, version: 4, retired: true },
      ],
    },
    'user.events.v1': {
      registered: [user, user],
      updated: [
        { ...user, version: 2, timeZone: 'America/New_York' },
        { ...user, version: 2, workingHours: [{ weekday: 'sat', start: '22:00', end: '02:00' }] },
      ],
      'preferences-changed': [
        { ...user, version: 3, preferences: { channels: [], reminderOffsetsMinutes: [] } },
        { ...user, version: 3, preferences: { channels: ['in-app'], reminderOffsetsMinutes: [0, 1440] } },
      ],
      'roles-changed': [
        { ...user, version: 4, roles: ['admin', 'member'] },
        { ...user, version: 4, roles: [] },
      ],
      deactivated: [deactivated, deactivated],
      erased: [erased, erased],
    },
  };
  return Object.entries(rows).flatMap(([topic, byName]) =>
    Object.entries(byName).map(
      ([name, [minimal, complete]]) =>
        [topic as EventTopic, name as never, minimal as Json, complete as Json] as const,
    ),
  ) as [EventTopic, never, Json, Json][];
}
