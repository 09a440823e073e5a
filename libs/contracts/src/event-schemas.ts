import type Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv/dist/2020';
import type addFormats from 'ajv-formats';
import bookingCancelled from '../schemas/booking.events.v1/cancelled.schema.json';
import bookingConfirmed from '../schemas/booking.events.v1/confirmed.schema.json';
import bookingExpired from '../schemas/booking.events.v1/expired.schema.json';
import bookingHeld from '../schemas/booking.events.v1/held.schema.json';
import maintenanceBlocked from '../schemas/booking.events.v1/maintenance-blocked.schema.json';
import maintenanceLifted from '../schemas/booking.events.v1/maintenance-lifted.schema.json';
import bookingRescheduled from '../schemas/booking.events.v1/rescheduled.schema.json';
import meetingCancelled from '../schemas/meeting.events.v1/cancelled.schema.json';
import meetingInvitationResponded from '../schemas/meeting.events.v1/invitation-responded.schema.json';
import meetingOccurrenceConflicted from '../schemas/meeting.events.v1/occurrence-conflicted.schema.json';
import meetingScheduled from '../schemas/meeting.events.v1/scheduled.schema.json';
import meetingSeriesSplit from '../schemas/meeting.events.v1/series-split.schema.json';
import meetingUpdated from '../schemas/meeting.events.v1/updated.schema.json';
import roomPolicyChanged from '../schemas/room.events.v1/policy-changed.schema.json';
import roomRegistered from '../schemas/room.events.v1/registered.schema.json';
import roomRetired from '../schemas/room.events.v1/retired.schema.json';
import roomUpdated from '../schemas/room.events.v1/updated.schema.json';
import userDeactivated from '../schemas/user.events.v1/deactivated.schema.json';
import userErased from '../schemas/user.events.v1/erased.schema.json';
import userPreferencesChanged from '../schemas/user.events.v1/preferences-changed.schema.json';
import userRegistered from '../schemas/user.events.v1/registered.schema.json';
import userRolesChanged from '../schemas/user.events.v1/roles-changed.schema.json';
import userUpdated from '../schemas/user.events.v1/updated.schema.json';

/** Public event types on `booking.events.v1`; `ce_type` is `roomledger.booking.<name>.v1`. */
export const bookingEventTypes = [
  'held',
  'confirmed',
  'cancelled',
  'expired',
  'rescheduled',
  'maintenance-blocked',
  'maintenance-lifted',
] as const;
export type BookingEventType = (typeof bookingEventTypes)[number];

/** Public event types on `meeting.events.v1`; `ce_type` is `roomledger.meeting.<name>.v1`. */
export const meetingEventTypes = [
  'scheduled',
  'updated',
  'cancelled',
  'invitation-responded',
  'series-split',
  'occurrence-conflicted',
] as const;
export type MeetingEventType = (typeof meetingEventTypes)[number];

/** Public event types on `room.events.v1`; `ce_type` is `roomledger.room.<name>.v1`. */
export const roomEventTypes = ['registered', 'updated', 'policy-changed', 'retired'] as const;
export type RoomEventType = (typeof roomEventTypes)[number];

/** Public event types on `user.events.v1`; `ce_type` is `roomledger.user.<name>.v1`. */
export const userEventTypes = [
  'registered',
  'updated',
  'preferences-changed',
  'roles-changed',
  'deactivated',
  'erased',
] as const;
export type UserEventType = (typeof userEventTypes)[number];

export interface EventTypesByTopic {
  'booking.events.v1': BookingEventType;
  'meeting.events.v1': MeetingEventType;
  'room.events.v1': RoomEventType;
  'user.events.v1': UserEventType;
}
export type EventTopic = keyof EventTypesByTopic;

export interface EventTypesByNoun {
  booking: BookingEventType;
  meeting: MeetingEventType;
  room: RoomEventType;
  user: UserEventType;
}
export type EventNoun = keyof EventTypesByNoun;

/** The CloudEvents type of a public event: `ceType('booking', 'held')` is `roomledger.booking.held.v1`. */
export function ceType<N extends EventNoun, E extends EventTypesByNoun[N]>(
  noun: N,
  name: E,
): `roomledger.${N}.${E}.v1` {
  return `roomledger.${noun}.${name}.v1`;
}

// The payload types below mirror the JSON Schemas in ../schemas by hand; event-schemas.spec.ts
// checks that each interface names exactly its schema's properties, required and optional alike.

/** RFC 3339 instant in UTC, e.g. `2026-03-02T09:00:00Z`. */
export type UtcInstant = string;

export type BookingStatus = 'held' | 'confirmed' | 'cancelled' | 'expired';

/** What every booking event carries: the booking as it is after the event. */
export interface BookingEventPayload {
  readonly bookingId: string;
  readonly roomId: string;
  readonly start: UtcInstant;
  readonly end: UtcInstant;
  readonly status: BookingStatus;
  readonly organizerId: string;
  readonly occurredAt: UtcInstant;
  /** The booking's own version (its ETag). */
  readonly version: number;
  /** The room stream's revision: orders all events of one room. */
  readonly streamRevision: number;
  readonly title?: string;
  readonly meetingId?: string;
  readonly seriesId?: string;
}

export interface BookingHeldPayload extends BookingEventPayload {
  readonly status: 'held';
  readonly expiresAt: UtcInstant;
  readonly heldBy: string;
}

export interface BookingConfirmedPayload extends BookingEventPayload {
  readonly status: 'confirmed';
}

export interface BookingCancelledPayload extends BookingEventPayload {
  readonly status: 'cancelled';
  readonly cancelledBy: string;
  readonly previousStatus: 'held' | 'confirmed';
  /** `maintenance` when a maintenance block cancelled it. */
  readonly reason?: string;
  readonly maintenanceBlockId?: string;
}

export interface BookingExpiredPayload extends BookingEventPayload {
  readonly status: 'expired';
  readonly expiresAt: UtcInstant;
}

export interface BookingRescheduledPayload extends BookingEventPayload {
  /** Unchanged by the reschedule. */
  readonly status: 'held' | 'confirmed';
  readonly previous: { readonly start: UtcInstant; readonly end: UtcInstant };
  readonly rescheduledBy: string;
}

/** What both maintenance events carry. */
export interface MaintenanceEventPayload {
  readonly blockId: string;
  readonly roomId: string;
  readonly start: UtcInstant;
  readonly end: UtcInstant;
  readonly occurredAt: UtcInstant;
  readonly streamRevision: number;
}

export interface MaintenanceBlockedPayload extends MaintenanceEventPayload {
  readonly placedBy: string;
  readonly reason?: string;
  /** Each is cancelled by its own `cancelled` event, which follows this one. */
  readonly cancelledBookingIds: readonly string[];
}

export interface MaintenanceLiftedPayload extends MaintenanceEventPayload {
  readonly liftedBy: string;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** An internal user (`userId`) or an external guest (`email`): exactly one of the two. */
export interface AttendeeReference {
  readonly userId?: string;
  readonly email?: string;
}

export type AttendeeResponse = 'needs-action' | 'accepted' | 'declined' | 'tentative';

export interface TimeSpanPayload {
  readonly start: UtcInstant;
  readonly end: UtcInstant;
}

export interface MeetingAttendee extends AttendeeReference {
  readonly required: boolean;
  readonly response: AttendeeResponse;
  readonly comment?: string;
  readonly proposal?: TimeSpanPayload;
}

/** The room a meeting takes; for a series `bookingId` is the room schedule's series id. */
export interface MeetingRoomPayload {
  readonly roomId: string;
  readonly bookingId: string;
}

/** RFC 5545 RRULE in the meeting's local time. */
export interface RecurrenceRulePayload {
  readonly frequency: 'daily' | 'weekly' | 'monthly' | 'yearly';
  readonly interval?: number;
  readonly byWeekday?: readonly Weekday[];
  readonly weekdayPosition?: number;
  readonly byMonthDay?: readonly number[];
  readonly byMonth?: readonly number[];
  readonly count?: number;
  readonly until?: UtcInstant;
}

export interface RecurrencePayload {
  readonly rule: RecurrenceRulePayload;
  readonly exdates: readonly UtcInstant[];
  /** The rule as iCalendar RRULE text. */
  readonly rrule: string;
}

export interface OccurrenceAnswerPayload {
  readonly response: AttendeeResponse;
  readonly comment?: string;
  readonly proposal?: TimeSpanPayload;
}

/** One occurrence changed or answered on its own, keyed by its original start (RECURRENCE-ID). */
export interface OccurrenceOverridePayload {
  readonly originalStart: UtcInstant;
  readonly start: UtcInstant;
  readonly end: UtcInstant;
  readonly title?: string;
  readonly description?: string;
  /** null: no room for this occurrence. */
  readonly room?: MeetingRoomPayload | null;
  /** By attendee key (`user:<id>`, `email:<address>`). */
  readonly responses: Readonly<Record<string, OccurrenceAnswerPayload>>;
}

/** A whole meeting (for a series: `start`/`end` of the first occurrence). */
export interface MeetingPayload {
  readonly meetingId: string;
  readonly organizerId: string;
  readonly title: string;
  readonly description: string;
  readonly attendees: readonly MeetingAttendee[];
  readonly room?: MeetingRoomPayload;
  readonly start: UtcInstant;
  readonly end: UtcInstant;
  /** IANA time zone name. */
  readonly timeZone: string;
  readonly recurrence?: RecurrencePayload;
  readonly overrides: readonly OccurrenceOverridePayload[];
  readonly reminderMinutes: readonly number[];
  readonly visibility: 'public' | 'private';
  readonly allowProposals: boolean;
  /** iCalendar SEQUENCE. */
  readonly sequence: number;
  readonly splitFrom?: { readonly meetingId: string; readonly originalStart: UtcInstant };
}

export interface MeetingScheduledPayload extends MeetingPayload {
  readonly scheduledBy: string;
  readonly occurredAt: UtcInstant;
  /** The meeting stream's revision: orders all events of one meeting. */
  readonly streamRevision: number;
}

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

export interface MeetingUpdatedPayload {
  readonly meetingId: string;
  readonly organizerId: string;
  readonly sequence: number;
  readonly scope: 'all' | 'this';
  readonly changed: readonly MeetingField[];
  readonly timeChanged: boolean;
  readonly updatedBy: string;
  /** Scope `all`: the meeting afterwards. */
  readonly meeting?: MeetingPayload;
  /** Scope `all`: attendees no longer invited. */
  readonly removedAttendees?: readonly AttendeeReference[];
  /** Scope `this`: the occurrence afterwards. */
  readonly occurrence?: {
    readonly originalStart: UtcInstant;
    readonly start: UtcInstant;
    readonly end: UtcInstant;
    readonly title?: string;
    readonly description?: string;
    readonly room?: MeetingRoomPayload | null;
  };
  /** The attendee whose proposal the organizer accepted. */
  readonly proposalOf?: AttendeeReference;
  readonly occurredAt: UtcInstant;
  readonly streamRevision: number;
}

export interface MeetingCancelledPayload {
  readonly meetingId: string;
  readonly organizerId: string;
  readonly sequence: number;
  readonly scope: 'all' | 'this' | 'following';
  readonly cancelledBy: string;
  /** Scope `all`: everyone who was invited. */
  readonly attendees?: readonly MeetingAttendee[];
  readonly message?: string;
  /** Scopes `this` and `following`. */
  readonly originalStart?: UtcInstant;
  /** Scope `this`. */
  readonly start?: UtcInstant;
  readonly end?: UtcInstant;
  /** Scope `following`: the series' new UNTIL. */
  readonly until?: UtcInstant;
  readonly occurredAt: UtcInstant;
  readonly streamRevision: number;
}

export interface InvitationRespondedPayload {
  readonly meetingId: string;
  readonly attendee: AttendeeReference;
  readonly response: 'accepted' | 'declined' | 'tentative';
  /** The occurrence the answer is for; absent: the whole meeting or series. */
  readonly occurrenceStart?: UtcInstant;
  readonly comment?: string;
  readonly proposal?: TimeSpanPayload;
  readonly occurredAt: UtcInstant;
  readonly streamRevision: number;
}

export interface SeriesSplitPayload {
  readonly meetingId: string;
  readonly organizerId: string;
  readonly sequence: number;
  readonly originalStart: UtcInstant;
  readonly until: UtcInstant;
  readonly newMeetingId: string;
  readonly continuation: MeetingPayload;
  readonly splitBy: string;
  readonly occurredAt: UtcInstant;
  readonly streamRevision: number;
}

export interface ConflictedOccurrencePayload {
  readonly bookingId: string;
  readonly start: UtcInstant;
  readonly end: UtcInstant;
  readonly reason: 'slot_taken' | 'policy_violation';
  readonly rule?: string;
  readonly conflicts?: readonly TimeSpanPayload[];
}

export interface OccurrenceConflictedPayload {
  readonly meetingId: string;
  readonly roomId: string;
  readonly seriesId: string;
  readonly organizerId: string;
  readonly occurrences: readonly ConflictedOccurrencePayload[];
  readonly occurredAt: UtcInstant;
  /** The room schedule stream's revision. */
  readonly streamRevision: number;
}

/** Local wall-clock times `HH:MM` in the room's time zone; `closes` may be `24:00`. */
export interface OpeningSpan {
  readonly weekday: Weekday;
  readonly opens: string;
  readonly closes: string;
}

/** A local date the room is closed: the whole day, or `from`..`to` (both or neither). */
export interface Closure {
  readonly date: string;
  readonly from?: string;
  readonly to?: string;
  readonly reason?: string;
}

export interface RoomBookingPolicy {
  readonly minDurationMinutes: number;
  readonly maxDurationMinutes: number | null;
  readonly bookingWindowDays: number | null;
  readonly minNoticeMinutes: number;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
}

/** Every room event carries the whole room after the change (event-carried state transfer). */
export interface RoomEventPayload {
  readonly roomId: string;
  /** The room's own version: its stream revision + 1. */
  readonly version: number;
  readonly occurredAt: UtcInstant;
  readonly name: string;
  readonly capacity: number;
  readonly seats: number;
  /** IANA time zone name. */
  readonly timeZone: string;
  readonly building?: string;
  readonly floor?: string;
  readonly amenities: readonly string[];
  readonly accessibility: readonly string[];
  /** Empty: open around the clock. */
  readonly openingHours: readonly OpeningSpan[];
  readonly closures: readonly Closure[];
  readonly policy: RoomBookingPolicy;
  readonly retired: boolean;
}

/** A weekly working span, wall-clock times `HH:MM` in the user's time zone; `end` may be `24:00`. */
export interface WorkingHoursSpan {
  readonly weekday: Weekday;
  readonly start: string;
  /** At or before `start`: the span runs past midnight into the next day. */
  readonly end: string;
}

export interface NotificationPreferences {
  /** Today `email` and `in-app`; consumers tolerate others. */
  readonly channels: readonly string[];
  /** Default reminders, minutes before a meeting starts, ascending. */
  readonly reminderOffsetsMinutes: readonly number[];
}

/** Every user event but `erased` carries the whole profile after the change (event-carried state transfer). */
export interface UserEventPayload {
  readonly userId: string;
  /** The user's own version: 1 at registration, one more with each event. */
  readonly version: number;
  readonly occurredAt: UtcInstant;
  readonly email: string;
  readonly name: string;
  /** IANA time zone name. */
  readonly timeZone: string;
  /** Empty: none stated. */
  readonly workingHours: readonly WorkingHoursSpan[];
  /** Today `admin` and `member`; consumers tolerate others. */
  readonly roles: readonly string[];
  readonly preferences: NotificationPreferences;
  readonly deactivated: boolean;
}

export interface UserDeactivatedPayload extends UserEventPayload {
  readonly deactivated: true;
}

/** Personal data was erased: every consumer deletes what it keeps about the user. Nothing personal here. */
export interface UserErasedPayload {
  readonly userId: string;
  readonly occurredAt: UtcInstant;
}

/** The payload type of each public event, by topic and event type. */
export interface EventPayloads {
  'booking.events.v1': {
    held: BookingHeldPayload;
    confirmed: BookingConfirmedPayload;
    cancelled: BookingCancelledPayload;
    expired: BookingExpiredPayload;
    rescheduled: BookingRescheduledPayload;
    'maintenance-blocked': MaintenanceBlockedPayload;
    'maintenance-lifted': MaintenanceLiftedPayload;
  };
  'meeting.events.v1': {
    scheduled: MeetingScheduledPayload;
    updated: MeetingUpdatedPayload;
    cancelled: MeetingCancelledPayload;
    'invitation-responded': InvitationRespondedPayload;
    'series-split': SeriesSplitPayload;
    'occurrence-conflicted': OccurrenceConflictedPayload;
  };
  'room.events.v1': Record<RoomEventType, RoomEventPayload>;
  'user.events.v1': {
    registered: UserEventPayload;
    updated: UserEventPayload;
    'preferences-changed': UserEventPayload;
    'roles-changed': UserEventPayload;
    deactivated: UserDeactivatedPayload;
    erased: UserErasedPayload;
  };
}

const schemas: { [T in EventTopic]: Record<EventTypesByTopic[T], { $id: string }> } = {
  'booking.events.v1': {
    held: bookingHeld,
    confirmed: bookingConfirmed,
    cancelled: bookingCancelled,
    expired: bookingExpired,
    rescheduled: bookingRescheduled,
    'maintenance-blocked': maintenanceBlocked,
    'maintenance-lifted': maintenanceLifted,
  },
  'meeting.events.v1': {
    scheduled: meetingScheduled,
    updated: meetingUpdated,
    cancelled: meetingCancelled,
    'invitation-responded': meetingInvitationResponded,
    'series-split': meetingSeriesSplit,
    'occurrence-conflicted': meetingOccurrenceConflicted,
  },
  'room.events.v1': {
    registered: roomRegistered,
    updated: roomUpdated,
    'policy-changed': roomPolicyChanged,
    retired: roomRetired,
  },
  'user.events.v1': {
    registered: userRegistered,
    updated: userUpdated,
    'preferences-changed': userPreferencesChanged,
    'roles-changed': userRolesChanged,
    deactivated: userDeactivated,
    erased: userErased,
  },
};

const schemaOf = (topic: EventTopic, name: string): { $id: string } => {
  const schema = (schemas[topic] as Record<string, { $id: string }> | undefined)?.[name];
  if (!schema) throw new Error(`the public contract has no event ${name} on ${topic}`);
  return schema;
};

/** The JSON Schema (draft 2020-12) of one public event's payload. */
export function eventSchema<T extends EventTopic>(topic: T, name: EventTypesByTopic[T]): object {
  return schemaOf(topic, name);
}

export type EventValidation = { valid: true } | { valid: false; errors: string[] };

let ajv: Ajv2020 | undefined;

const validatorOf = (topic: EventTopic, name: string): ValidateFunction => {
  const schema = schemaOf(topic, name);
  if (!ajv) {
    // ajv is a devDependency: loading it on first use keeps `@roomledger/contracts` importable in the
    // production image (npm ci --omit=dev), where nothing validates payloads.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { default: Ajv } = require('ajv/dist/2020') as { default: typeof Ajv2020 };
    const { default: withFormats } = require('ajv-formats') as { default: typeof addFormats };
    /* eslint-enable @typescript-eslint/no-require-imports */
    ajv = withFormats(new Ajv({ strict: true, allErrors: true }));
    for (const bySchema of Object.values(schemas)) for (const s of Object.values(bySchema)) ajv.addSchema(s);
  }
  // getSchema compiles on first use and caches the compiled validator.
  const validate = ajv.getSchema(schema.$id);
  if (!validate) throw new Error(`schema ${schema.$id} did not compile`);
  return validate;
};

/**
 * Checks a payload against its event type's JSON Schema. Unknown extra properties are valid: consumers
 * must tolerate additions. Throws for an event type the contract does not define.
 */
export function validateEventPayload<T extends EventTopic>(
  topic: T,
  name: EventTypesByTopic[T],
  value: unknown,
): EventValidation {
  const validate = validatorOf(topic, name);
  if (validate(value)) return { valid: true };
  return {
    valid: false,
    errors: (validate.errors ?? []).map(
      (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
    ),
  };
}
