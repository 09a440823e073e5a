import { randomUUID } from 'node:crypto';
import {
  validateEventPayload,
  type BookingEventType,
  type MeetingEventType,
  type UserEventType,
} from '@roomledger/contracts';
import type { Message } from 'kafkajs';

// Messages shaped exactly as the booking and user services publish them (the relays' CloudEvents
// headers, their keys), every payload checked against the public JSON Schema before it is used, so the
// tests cannot drift from the real feeds.

export interface BookingState {
  readonly bookingId: string;
  readonly roomId: string;
  readonly organizerId: string;
  readonly start: string;
  readonly end: string;
  readonly title?: string;
  readonly version: number;
  readonly streamRevision: number;
  readonly occurredAt: string;
}

const STATUS: Partial<Record<BookingEventType, string>> = {
  held: 'held',
  confirmed: 'confirmed',
  cancelled: 'cancelled',
  expired: 'expired',
  rescheduled: 'confirmed',
};

/** A `booking.events.v1` payload: the booking after the event, plus the event's own fields. */
export function bookingPayload(
  name: BookingEventType,
  booking: BookingState,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const payload = { ...booking, status: STATUS[name], ...extra };
  const validation = validateEventPayload('booking.events.v1', name, payload);
  if (!validation.valid) throw new Error(`not a valid ${name} payload: ${validation.errors.join('; ')}`);
  return payload;
}

/** The booking relay's message: keyed by room, `ce_subject` the booking, `ce_time` when it was stored. */
export function bookingMessage(
  name: BookingEventType,
  payload: Record<string, unknown>,
  eventId = randomUUID(),
): Message {
  return {
    key: String(payload.roomId),
    value: JSON.stringify(payload),
    headers: cloudEvent(
      eventId,
      `roomledger.booking.${name}.v1`,
      '/roomledger/booking',
      String(payload.bookingId),
    ),
  };
}

export interface UserProfile {
  readonly userId: string;
  readonly version: number;
  readonly email: string;
  readonly name: string;
  readonly timeZone: string;
  readonly channels?: readonly string[];
  readonly deactivated?: boolean;
  readonly reminderOffsetsMinutes?: readonly number[];
}

/** A `user.events.v1` payload (the whole profile, as every user event but `erased` carries it). */
export function userPayload(
  name: Exclude<UserEventType, 'erased'>,
  user: UserProfile,
): Record<string, unknown> {
  const payload = {
    userId: user.userId,
    version: user.version,
    occurredAt: new Date().toISOString(),
    email: user.email,
    name: user.name,
    timeZone: user.timeZone,
    workingHours: [],
    roles: ['member'],
    preferences: {
      channels: user.channels ?? ['email', 'in-app'],
      reminderOffsetsMinutes: user.reminderOffsetsMinutes ?? [15],
    },
    deactivated: user.deactivated ?? false,
  };
  const validation = validateEventPayload('user.events.v1', name, payload);
  if (!validation.valid) throw new Error(`not a valid ${name} payload: ${validation.errors.join('; ')}`);
  return payload;
}

export function userMessage(
  name: UserEventType,
  payload: Record<string, unknown>,
  eventId = randomUUID(),
): Message {
  if (name === 'erased') {
    const validation = validateEventPayload('user.events.v1', 'erased', payload);
    if (!validation.valid) throw new Error(`not a valid erased payload: ${validation.errors.join('; ')}`);
  }
  return {
    key: String(payload.userId),
    value: JSON.stringify(payload),
    headers: cloudEvent(eventId, `roomledger.user.${name}.v1`, '/roomledger/user', String(payload.userId)),
  };
}

/** A whole meeting as `scheduled` and `updated` (scope `all`) carry it. */
export interface MeetingState {
  readonly meetingId: string;
  readonly organizerId: string;
  readonly title: string;
  readonly description?: string;
  readonly attendees: readonly {
    readonly userId?: string;
    readonly email?: string;
    readonly required: boolean;
    readonly response: 'needs-action' | 'accepted' | 'declined' | 'tentative';
  }[];
  readonly room?: { readonly roomId: string; readonly bookingId: string };
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
  readonly recurrence?: {
    readonly rule: Record<string, unknown>;
    readonly exdates: readonly string[];
    readonly rrule: string;
  };
  readonly reminderMinutes?: readonly number[];
  readonly sequence: number;
}

/** The people of the pure meeting specs' meeting: Olga organizes it, Bea is invited, Cy is not (yet). */
export const meetingPeople: Readonly<Record<'olga' | 'bea' | 'cy', string>> = {
  olga: '11111111-1111-4111-8111-111111111111',
  bea: '22222222-2222-4222-8222-222222222222',
  cy: '33333333-3333-4333-8333-333333333333',
};

/**
 * The pure meeting specs' meeting: "Sprint planning", weekly on Mondays from 2 March 2026, 09:00–10:00
 * in Berlin (08:00Z, CET), `FREQ=WEEKLY;BYDAY=MO;COUNT=10`; Olga organizes, Bea is invited, and the
 * `guest` (by address) too when given.
 */
export function sprintPlanning(
  options: Partial<MeetingState> & { guest?: MeetingState['attendees'][number] } = {},
): MeetingState {
  const { guest, ...overrides } = options;
  return {
    meetingId: 'c56a4180-65aa-42ec-a945-5fd21dec0538',
    organizerId: meetingPeople.olga,
    title: 'Sprint planning',
    attendees: [
      { userId: meetingPeople.olga, required: true, response: 'accepted' },
      { userId: meetingPeople.bea, required: true, response: 'needs-action' },
      ...(guest ? [guest] : []),
    ],
    start: '2026-03-02T08:00:00Z',
    end: '2026-03-02T09:00:00Z',
    timeZone: 'Europe/Berlin',
    recurrence: {
      rule: { frequency: 'weekly', byWeekday: ['mon'] },
      exdates: [],
      rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
    },
    sequence: 0,
    ...overrides,
  };
}

/** The meeting as the feed shows it (defaults for what the tests do not care about). */
export function publicMeeting(meeting: MeetingState): Record<string, unknown> {
  return {
    description: '',
    overrides: [],
    reminderMinutes: [],
    visibility: 'public',
    allowProposals: true,
    ...meeting,
  };
}

/** A `meeting.events.v1` payload, checked against its JSON Schema. */
export function meetingPayload(
  name: MeetingEventType,
  payload: Record<string, unknown>,
): Record<string, unknown> {
  const validation = validateEventPayload('meeting.events.v1', name, payload);
  if (!validation.valid) throw new Error(`not a valid ${name} payload: ${validation.errors.join('; ')}`);
  return payload;
}

type MeetingScope = 'all' | 'this' | 'following';

/** A `cancelled` payload: the organizer cancels `scope` of the meeting (with the occurrence's fields, if one). */
export function organizerCancels(
  meeting: Pick<MeetingState, 'meetingId' | 'organizerId'>,
  fields: { sequence: number; scope: MeetingScope } & Record<string, unknown>,
): Record<string, unknown> {
  const { meetingId, organizerId } = meeting;
  return { meetingId, organizerId, cancelledBy: organizerId, ...fields };
}

/** An `updated` payload: the organizer changes `scope` of the meeting (what changed in `fields`). */
export function organizerUpdates(
  meeting: Pick<MeetingState, 'meetingId' | 'organizerId'>,
  fields: { sequence: number; scope: MeetingScope; changed: readonly string[] } & Record<string, unknown>,
): Record<string, unknown> {
  const { meetingId, organizerId } = meeting;
  return { meetingId, organizerId, updatedBy: organizerId, ...fields };
}

/**
 * One meeting's feed as the intake hands its events to the domain (`meetingNotices`): each event the
 * next, from stream revision 1, its payload checked against the schema.
 */
export function meetingFeed(meetingId: string) {
  let revision = 0;
  return (name: MeetingEventType, data: Record<string, unknown>) => {
    revision += 1;
    return {
      id: `event-${revision}`,
      type: `roomledger.meeting.${name}.v1`,
      subject: meetingId,
      data: meetingPayload(name, { occurredAt: '2026-02-27T15:00:00Z', streamRevision: revision, ...data }),
    };
  };
}

/** The meeting relay's message: keyed by meeting, `ce_subject` the meeting. */
export function meetingMessage(
  name: MeetingEventType,
  payload: Record<string, unknown>,
  eventId: string = randomUUID(),
): Message {
  const meetingId = String(payload.meetingId);
  return {
    key: meetingId,
    value: JSON.stringify(meetingPayload(name, payload)),
    headers: cloudEvent(eventId, `roomledger.meeting.${name}.v1`, '/roomledger/booking', meetingId),
  };
}

function cloudEvent(id: string, type: string, source: string, subject: string): Record<string, string> {
  return {
    ce_specversion: '1.0',
    ce_id: id,
    ce_type: type,
    ce_source: source,
    ce_time: new Date().toISOString(),
    ce_subject: subject,
    'content-type': 'application/json',
  };
}
