import { durationText, localDateTime, localInterval } from './local-time';
import type { MeetingCalendar, People } from './meeting-calendar';
import { meetingLetter } from './meeting-email';
import { isMeetingNotice, type BookingNotice, type Notice } from './notice';
import type { Recipient } from './recipient';

/**
 * An iTIP message (RFC 5546) for the recipient's calendar client: REQUEST adds or updates the event
 * with this UID if SEQUENCE is higher than what it holds, CANCEL removes it.
 */
export interface CalendarInvite {
  readonly method: 'REQUEST' | 'CANCEL';
  /** Stable per booking, so every update and the cancellation apply to the same calendar entry. */
  readonly uid: string;
  /** The booking's version: strictly increasing, so a late or replayed older message never wins. */
  readonly sequence: number;
  readonly start: string;
  readonly end: string;
  /** When the change was decided (DTSTAMP). */
  readonly stamp: string;
  readonly summary: string;
  readonly location: string;
  readonly status: 'CONFIRMED' | 'CANCELLED';
  readonly attendee: { readonly name: string; readonly email: string };
}

export interface EmailMessage {
  readonly to: { readonly name: string; readonly address: string };
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** A booking's invite, or a meeting's iTIP message (`kind: 'meeting'`). */
  readonly invite?: CalendarInvite | MeetingCalendar;
}

/** One message kind's words; rendered to plain text and HTML alike by {@link composeEmail}. */
export interface Letter {
  readonly subject: string;
  readonly lead: string;
  readonly details: readonly (readonly [label: string, value: string])[];
  readonly closing?: string;
  readonly invite?: Pick<CalendarInvite, 'method' | 'status'>;
}

/**
 * The e-mail telling `recipient` about `notice`, on the recipient's clock. `people` names the other
 * users a meeting's message mentions (organizer, attendees), as the directory knows them now.
 */
export function composeEmail(notice: Notice, recipient: Recipient, people: People = new Map()): EmailMessage {
  if (isMeetingNotice(notice)) {
    const { letter, invite } = meetingLetter(notice, recipient, people);
    return {
      to: { name: recipient.name, address: recipient.email },
      subject: letter.subject,
      text: renderText(letter, recipient.name),
      html: renderHtml(letter, recipient.name),
      ...(invite ? { invite } : {}),
    };
  }
  const letter = letterFor(notice, recipient.timeZone);
  const { booking } = notice;
  return {
    to: { name: recipient.name, address: recipient.email },
    subject: letter.subject,
    text: renderText(letter, recipient.name),
    html: renderHtml(letter, recipient.name),
    ...(letter.invite
      ? {
          invite: {
            ...letter.invite,
            uid: `${booking.bookingId}@roomledger`,
            sequence: booking.version,
            start: booking.start,
            end: booking.end,
            stamp: notice.occurredAt,
            summary: summaryOf(notice),
            location: `Room ${booking.roomId}`,
            attendee: { name: recipient.name, email: recipient.email },
          },
        }
      : {}),
  };
}

function summaryOf(notice: BookingNotice): string {
  return notice.booking.title?.trim() || `Room ${notice.booking.roomId}`;
}

function letterFor(notice: BookingNotice, timeZone: string): Letter {
  const { booking } = notice;
  const what = summaryOf(notice);
  const when = localInterval(booking.start, booking.end, timeZone);
  const on = localDateTime(booking.start, timeZone);
  const room = `room ${booking.roomId}`;
  const common = [
    ['Room', booking.roomId],
    ['Booking', booking.bookingId],
  ] as const;
  switch (notice.kind) {
    case 'booking-confirmed':
      return {
        subject: `Booking confirmed: ${what}, ${on}`,
        lead: `Your booking of ${room} is confirmed.`,
        details: [['What', what], ['When', when], ...common],
        closing: 'The attached invitation puts it in your calendar.',
        invite: { method: 'REQUEST', status: 'CONFIRMED' },
      };
    case 'booking-rescheduled':
      return {
        subject: `Booking changed: ${what}, now ${on}`,
        lead: `Your booking of ${room} has a new time.`,
        details: [
          ['What', what],
          ['When', when],
          ['Before', localInterval(notice.previous.start, notice.previous.end, timeZone)],
          ...common,
        ],
        closing: 'The attached invitation updates your calendar.',
        invite: { method: 'REQUEST', status: 'CONFIRMED' },
      };
    case 'booking-cancelled':
      return {
        subject: `Booking cancelled: ${what}, ${on}`,
        lead: `Your ${notice.wasConfirmed ? 'booking' : 'hold'} of ${room} was cancelled${becauseOf(notice.reason)}.`,
        details: [['What', what], ['When', when], ...common],
        ...(notice.wasConfirmed
          ? {
              closing: 'The attached cancellation removes it from your calendar.',
              invite: { method: 'CANCEL', status: 'CANCELLED' } as const,
            }
          : {}),
      };
    case 'hold-expired':
      return {
        subject: `Hold expired: ${what}, ${on}`,
        lead: `Your hold on ${room} expired at ${localDateTime(notice.expiresAt, timeZone)} before it was confirmed; the room is free for others again.`,
        details: [['What', what], ['When', when], ...common],
      };
    case 'booking-reminder':
      return {
        subject: `Reminder: ${what}, ${on}`,
        lead: `Your booking of ${room} starts in ${durationText(notice.minutesBefore)}.`,
        details: [['What', what], ['When', when], ...common],
      };
    default: {
      const unhandled: never = notice;
      throw new Error(`no e-mail for ${(unhandled as BookingNotice).kind}`);
    }
  }
}

function becauseOf(reason: string | undefined): string {
  if (!reason) return '';
  return reason === 'maintenance' ? ': the room is closed for maintenance' : ` (reason: ${reason})`;
}

function renderText(letter: Letter, name: string): string {
  const width = Math.max(...letter.details.map(([label]) => label.length)) + 2;
  return [
    `Hello ${name},`,
    '',
    letter.lead,
    '',
    ...letter.details.map(([label, value]) => `  ${`${label}:`.padEnd(width)}${value}`),
    ...(letter.closing ? ['', letter.closing] : []),
    '',
    '-- ',
    'roomledger',
    '',
  ].join('\n');
}

function renderHtml(letter: Letter, name: string): string {
  const rows = letter.details
    .map(
      ([label, value]) =>
        `<tr><th align="left" style="padding-right:1em">${escape(label)}</th><td>${escape(value)}</td></tr>`,
    )
    .join('');
  return [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p>Hello ${escape(name)},</p>`,
    `<p>${escape(letter.lead)}</p>`,
    `<table>${rows}</table>`,
    letter.closing ? `<p>${escape(letter.closing)}</p>` : '',
    '<p>roomledger</p>',
    '</body></html>',
  ].join('');
}

function escape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
