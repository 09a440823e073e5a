import type { Letter } from './email-message';
import { durationText, localDateTime, localInterval } from './local-time';
import type { MeetingFacts, RecurrenceRule } from './meeting';
import { meetingCalendar, type MeetingCalendar, type People } from './meeting-calendar';
import type { MeetingNotice } from './meeting-notice';
import type { Recipient } from './recipient';

type Details = [label: string, value: string][];

/**
 * A meeting notice's words for `recipient`, on their clock, and the calendar object it carries. The
 * organizer reads about their own meeting ("Your meeting ..."), everyone else about an invitation.
 */
export function meetingLetter(
  notice: MeetingNotice,
  recipient: Recipient,
  people: People,
): { letter: Letter; invite?: MeetingCalendar } {
  const zone = recipient.timeZone;
  if (notice.kind === 'meeting-reminder') {
    const { reminder } = notice;
    return {
      letter: {
        subject: `Reminder: ${reminder.title}, ${localDateTime(reminder.occurrence.start, zone)}`,
        lead: `${reminder.title} starts in ${durationText(notice.minutesBefore)}.`,
        details: [
          ['What', reminder.title],
          ['When', localInterval(reminder.occurrence.start, reminder.occurrence.end, zone)],
          ...(reminder.roomId ? ([['Room', reminder.roomId]] as Details) : []),
          ['Meeting', reminder.meetingId],
        ],
      },
    };
  }
  const { meeting } = notice;
  const title = meeting.title;
  const own = recipient.userId === meeting.organizerId;
  const organizer = own ? 'You' : (people.get(meeting.organizerId)?.name ?? 'The organizer');
  const invite = meetingCalendar(notice, { name: recipient.name, email: recipient.email }, people);
  const about = facts(meeting, zone, organizer);
  const on = (instant: string) => localDateTime(instant, zone);
  const closing = invite
    ? invite.method === 'CANCEL'
      ? 'The attached cancellation removes it from your calendar.'
      : 'The attached invitation updates your calendar.'
    : undefined;
  const letter = (
    subject: string,
    lead: string,
    details: Details,
  ): { letter: Letter; invite?: MeetingCalendar } => ({
    letter: { subject, lead, details, ...(closing ? { closing } : {}) },
    ...(invite ? { invite } : {}),
  });
  switch (notice.kind) {
    case 'meeting-invitation':
      return {
        letter: {
          subject: own
            ? `Meeting scheduled: ${title}, ${on(meeting.start)}`
            : `Invitation: ${title}, ${on(meeting.start)}`,
          lead: own
            ? 'Your meeting is scheduled and the invitations are on their way.'
            : `${organizer} invites you to ${title}.`,
          details: about,
          closing: 'The attached invitation puts it in your calendar.',
        },
        ...(invite ? { invite } : {}),
      };
    case 'meeting-updated': {
      if (notice.scope === 'this' && notice.occurrence) {
        const { occurrence } = notice;
        return letter(
          `Meeting changed: ${occurrence.title ?? title} on ${on(occurrence.originalStart)}`,
          `${organizer} changed one occurrence of ${title}.`,
          [
            ['What', occurrence.title ?? title],
            ['When', localInterval(occurrence.start, occurrence.end, zone)],
            ...previously(notice.previous, zone),
            ...about.filter(([label]) => label !== 'What' && label !== 'When' && label !== 'Repeats'),
          ],
        );
      }
      if (notice.scope === 'following' && notice.from)
        return letter(
          `Meeting series changed: ${title}, from ${on(notice.from)}`,
          `${organizer} changed ${title} from ${on(notice.from)} on: this series now ends before then and continues as a new series, whose invitation comes separately.`,
          about,
        );
      return letter(
        `Meeting changed: ${title}, ${notice.timeChanged ? 'now ' : ''}${on(meeting.start)}`,
        `${organizer} changed ${title}${notice.changed.length ? ` (${notice.changed.join(', ')})` : ''}.`,
        [...about.slice(0, 2), ...previously(notice.previous, zone), ...about.slice(2)],
      );
    }
    case 'meeting-cancelled': {
      const note: Details = notice.message ? [['Message', notice.message]] : [];
      if (notice.removed)
        return letter(
          `Removed from meeting: ${title}`,
          `${organizer} took you off the guest list of ${title}.`,
          [...about, ...note],
        );
      if (notice.scope === 'this' && notice.occurrence)
        return letter(
          `Meeting cancelled: ${title} on ${on(notice.occurrence.start)}`,
          `${organizer} cancelled one occurrence of ${title}; the others take place as planned.`,
          [
            ['What', title],
            ['When', localInterval(notice.occurrence.start, notice.occurrence.end, zone)],
            ...note,
          ],
        );
      if (notice.scope === 'following' && notice.from)
        return letter(
          `Meeting series cancelled: ${title}, from ${on(notice.from)}`,
          `${organizer} cancelled ${title} from ${on(notice.from)} on; earlier occurrences are unchanged.`,
          [...about, ...note],
        );
      return letter(`Meeting cancelled: ${title}, ${on(meeting.start)}`, `${organizer} cancelled ${title}.`, [
        ...about,
        ...note,
      ]);
    }
    case 'meeting-response': {
      const who =
        (notice.attendee.userId !== undefined
          ? people.get(notice.attendee.userId)?.name
          : notice.attendee.email) ?? 'An attendee';
      const answer = { accepted: 'accepted', declined: 'declined', tentative: 'tentatively accepted' }[
        notice.response
      ];
      const occurrence = notice.occurrenceStart ? ` the occurrence on ${on(notice.occurrenceStart)} of` : '';
      return letter(
        `${who} ${answer}: ${title}`,
        `${who} ${answer}${occurrence} ${title}${notice.proposal ? ' and proposes another time' : ''}.`,
        [
          ...about.slice(0, 2),
          ...(notice.proposal
            ? ([['Proposed', localInterval(notice.proposal.start, notice.proposal.end, zone)]] as Details)
            : []),
          ...(notice.comment ? ([['Comment', notice.comment]] as Details) : []),
          ['Meeting', meeting.meetingId],
        ],
      );
    }
    case 'meeting-occurrences-conflicted':
      return letter(
        `Room not available: ${title}, ${notice.occurrences.length} ${notice.occurrences.length === 1 ? 'occurrence' : 'occurrences'}`,
        `Room ${notice.roomId} could not be booked for these occurrences of ${title}; the meeting still takes place, without the room at those times.`,
        [
          ...notice.occurrences.map((occurrence): [string, string] => [
            occurrence.reason === 'slot_taken' ? 'Taken' : 'Not allowed',
            localInterval(occurrence.start, occurrence.end, zone),
          ]),
          ['Meeting', meeting.meetingId],
        ],
      );
  }
}

function facts(meeting: MeetingFacts, zone: string, organizer: string): Details {
  return [
    ['What', meeting.title],
    ['When', localInterval(meeting.start, meeting.end, zone)],
    ...(meeting.recurrence ? ([['Repeats', repeats(meeting.recurrence.rule)]] as Details) : []),
    ...(meeting.room ? ([['Room', meeting.room.roomId]] as Details) : []),
    ['Organizer', organizer],
    ...(meeting.description ? ([['About', meeting.description]] as Details) : []),
    ['Meeting', meeting.meetingId],
  ];
}

function previously(previous: { start: string; end: string } | undefined, zone: string): Details {
  return previous ? [['Before', localInterval(previous.start, previous.end, zone)]] : [];
}

const UNITS = { daily: 'day', weekly: 'week', monthly: 'month', yearly: 'year' } as const;
const DAYS = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/** `every week on Monday`, `every 2 weeks on Monday, Thursday, 10 times`. */
export function repeats(rule: RecurrenceRule): string {
  const interval = rule.interval ?? 1;
  const unit = UNITS[rule.frequency];
  const every = interval === 1 ? `every ${unit}` : `every ${interval} ${unit}s`;
  const days = rule.byWeekday?.length ? ` on ${rule.byWeekday.map((day) => DAYS[day]).join(', ')}` : '';
  const end =
    rule.count !== undefined
      ? `, ${rule.count} times`
      : rule.until !== undefined
        ? `, until ${rule.until.slice(0, 10)}`
        : '';
  return `${every}${days}${end}`;
}
