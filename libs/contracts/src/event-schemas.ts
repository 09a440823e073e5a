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
  'room.events.v1': RoomEventType;
  'user.events.v1': UserEventType;
}
export type EventTopic = keyof EventTypesByTopic;

export interface EventTypesByNoun {
  booking: BookingEventType;
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
