import type { MeetingNotice } from './meeting-notice';
import { meetingNoticeKinds, publicMeetingFacts } from './meeting-notice';
import { ContractViolation, PayloadReader } from './payload';

/** An interval in UTC (RFC 3339, `...Z`), start inclusive, end exclusive. */
export interface Interval {
  readonly start: string;
  readonly end: string;
}

/** What a notice about a booking says of it, copied from the public booking event. */
export interface BookingFacts extends Interval {
  readonly bookingId: string;
  readonly roomId: string;
  readonly organizerId: string;
  readonly title?: string;
  /** The booking's own version: increases with every change, so it is the iCalendar SEQUENCE. */
  readonly version: number;
}

interface NoticeBase {
  /** The event the notice comes from (its `ce_id`): one notice per event. */
  readonly eventId: string;
  /** Its `ce_type`, e.g. `roomledger.booking.confirmed.v1`. */
  readonly eventType: string;
  /** What it is about (its `ce_subject`): the booking id. */
  readonly subject: string;
  /** When the decision was made (the payload's `occurredAt`, UTC): where notification latency starts. */
  readonly occurredAt: string;
  /** The people the notice is for (user ids): the booking's organizer. */
  readonly audience: readonly string[];
  readonly booking: BookingFacts;
}

/** Something people should hear about a booking. */
export type BookingNotice =
  | (NoticeBase & { readonly kind: 'booking-confirmed' })
  | (NoticeBase & { readonly kind: 'booking-rescheduled'; readonly previous: Interval })
  | (NoticeBase & {
      readonly kind: 'booking-cancelled';
      /** A confirmed booking was in the organizer's calendar (it got an invitation); a hold was not. */
      readonly wasConfirmed: boolean;
      readonly reason?: string;
    })
  | (NoticeBase & { readonly kind: 'hold-expired'; readonly expiresAt: string })
  /** A confirmed booking starts soon: raised by the reminder queue, not by a feed event. */
  | (NoticeBase & { readonly kind: 'booking-reminder'; readonly minutesBefore: number });

/** Something people should hear about. Each channel decides how (and whether) it tells them. */
export type Notice = BookingNotice | MeetingNotice;

export type NoticeKind = Notice['kind'];
export const noticeKinds: readonly NoticeKind[] = [
  'booking-confirmed',
  'booking-rescheduled',
  'booking-cancelled',
  'hold-expired',
  'booking-reminder',
  ...meetingNoticeKinds,
];

export function isMeetingNotice(notice: Notice): notice is MeetingNotice {
  return notice.kind.startsWith('meeting-');
}

/** The consumed event, as far as a notice needs it (the CloudEvents attributes and the JSON value). */
export interface ConsumedEvent {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly data: unknown;
}

const BOOKING_TYPE = /^roomledger\.booking\.([a-z-]+)\.v1$/;

/**
 * The notice a `booking.events.v1` event gives, or null when it gives none: a hold being placed or
 * moved is not news (the organizer is in the middle of it), and maintenance events are followed by a
 * `cancelled` event per booking they displace. Throws {@link ContractViolation} for a payload that
 * breaks the contract.
 */
export function bookingNotice(event: ConsumedEvent): BookingNotice | null {
  const name = BOOKING_TYPE.exec(event.type)?.[1];
  if (name !== 'confirmed' && name !== 'rescheduled' && name !== 'cancelled' && name !== 'expired')
    return null;
  const data = new PayloadReader(event.data, event.type);
  const status = data.string('status');
  if (name === 'rescheduled' && status !== 'confirmed') return null;
  const booking: BookingFacts = {
    bookingId: data.string('bookingId'),
    roomId: data.string('roomId'),
    organizerId: data.string('organizerId'),
    start: data.instant('start'),
    end: data.instant('end'),
    version: data.positiveInteger('version'),
    ...optional('title', data.optionalString('title')),
  };
  if (Date.parse(booking.end) <= Date.parse(booking.start))
    throw new ContractViolation(`${event.type}: end must be after start`);
  const base = {
    eventId: event.id,
    eventType: event.type,
    subject: event.subject,
    occurredAt: data.instant('occurredAt'),
    audience: [booking.organizerId],
    booking,
  };
  switch (name) {
    case 'confirmed':
      return { ...base, kind: 'booking-confirmed' };
    case 'rescheduled': {
      const previous = data.optionalObject('previous');
      if (!previous) throw new ContractViolation(`${event.type}: previous is missing`);
      return {
        ...base,
        kind: 'booking-rescheduled',
        previous: { start: previous.instant('start'), end: previous.instant('end') },
      };
    }
    case 'cancelled':
      return {
        ...base,
        kind: 'booking-cancelled',
        wasConfirmed: data.string('previousStatus') === 'confirmed',
        ...optional('reason', data.optionalString('reason')),
      };
    case 'expired':
      return { ...base, kind: 'hold-expired', expiresAt: data.instant('expiresAt') };
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** The facts of a notice that anyone in its audience may see (inbox items' data, webhook bodies). */
export function noticeFacts(notice: Notice): Record<string, unknown> {
  return isMeetingNotice(notice) ? publicMeetingFacts(notice) : { booking: notice.booking };
}
