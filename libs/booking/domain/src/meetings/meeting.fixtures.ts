/**
 * Builders shared by the Meeting specifications (test code; not exported from the library).
 * Defaults: alice organizes "Planning" on Monday 2027-03-01, 09:00-10:00 Europe/Berlin (08:00Z),
 * inviting bob, carol (optional) and guest@example.com; now is 2027-02-22T08:00Z. The weekly series
 * repeats that ten times (2027-03-01 .. 2027-05-03).
 */
import type { Actor, CommandMetadata } from '../room-schedule.commands';
import type { MeetingCommand } from './meeting.commands';
import type {
  InvitationResponded,
  MeetingCancelled,
  MeetingScheduled,
  OccurrenceCancelled,
  OccurrenceUpdated,
} from './meeting.events';
import type { Attendee, AttendeeRef, MeetingDetails, Recurrence } from './meeting.model';

export const NOW = '2027-02-22T08:00:00Z';
export const BERLIN = 'Europe/Berlin';
export const MEETING = 'm1';

export const alice: Actor = { userId: 'alice', roles: [] };
export const bob: Actor = { userId: 'bob', roles: [] };
export const carol: Actor = { userId: 'carol', roles: [] };
export const mallory: Actor = { userId: 'mallory', roles: [] };
export const ada: Actor = { userId: 'ada', roles: ['admin'] };
export const guest: AttendeeRef = { email: 'guest@example.com' };

/** `week(3)` is the start of the third Monday (2027-03-15 08:00Z); all ten fall in CET or CEST as noted. */
export const WEEKS = [
  '2027-03-01T08:00:00Z',
  '2027-03-08T08:00:00Z',
  '2027-03-15T08:00:00Z',
  '2027-03-22T08:00:00Z',
  // Europe/Berlin is on summer time from 2027-03-28: 09:00 local is 07:00Z.
  '2027-03-29T07:00:00Z',
  '2027-04-05T07:00:00Z',
  '2027-04-12T07:00:00Z',
  '2027-04-19T07:00:00Z',
  '2027-04-26T07:00:00Z',
  '2027-05-03T07:00:00Z',
];
export const week = (n: number): string => WEEKS[n - 1];
export const hourLater = (instant: string, hours = 1): string =>
  new Date(Date.parse(instant) + hours * 3_600_000).toISOString().replace('.000Z', 'Z');

export const ATTENDEES: Attendee[] = [
  { userId: 'alice', required: true, response: 'accepted' },
  { userId: 'bob', required: true, response: 'needs-action' },
  { userId: 'carol', required: false, response: 'needs-action' },
  { email: 'guest@example.com', required: true, response: 'needs-action' },
];

export const WEEKLY: Recurrence = { rule: { frequency: 'weekly', count: 10 }, exdates: [] };

type By = { by?: Actor; at?: string };
const metadataOf = (by: Actor = alice, now = NOW): CommandMetadata => ({
  commandId: 'command-1',
  actor: by,
  now,
});

const command =
  <C extends MeetingCommand>(type: C['type'], defaults: Partial<C['data']>) =>
  (args: Partial<C['data']> & By = {}): C => {
    const { by, at, ...data } = args;
    return { type, data: { ...defaults, ...data }, metadata: metadataOf(by, at) } as C;
  };

export const scheduleMeeting = command('ScheduleMeeting', {
  meetingId: MEETING,
  title: 'Planning',
  attendees: [{ userId: 'bob' }, { userId: 'carol', required: false }, { email: 'Guest@Example.com' }],
  start: '2027-03-01T09:00:00+01:00',
  end: '2027-03-01T10:00:00+01:00',
  timeZone: BERLIN,
});
export const updateMeeting = command('UpdateMeeting', { meetingId: MEETING, changes: {} });
export const cancelMeeting = command('CancelMeeting', { meetingId: MEETING });
export const respond = command('RespondToInvitation', { meetingId: MEETING, response: 'accepted' });
export const acceptProposal = command('AcceptProposal', { meetingId: MEETING, attendee: { userId: 'bob' } });

export const details = (overrides: Partial<MeetingDetails> = {}): MeetingDetails => ({
  meetingId: MEETING,
  organizerId: 'alice',
  title: 'Planning',
  description: '',
  attendees: ATTENDEES,
  start: week(1),
  end: hourLater(week(1)),
  timeZone: BERLIN,
  overrides: [],
  reminderMinutes: [],
  visibility: 'public',
  allowProposals: true,
  sequence: 0,
  ...overrides,
});

export const meetingScheduled = ({
  scheduledBy = 'alice',
  ...overrides
}: Partial<MeetingDetails> & { scheduledBy?: string } = {}): MeetingScheduled => ({
  type: 'MeetingScheduled',
  data: { ...details(overrides), scheduledBy, occurredAt: NOW },
});
export const weeklyScheduled = (overrides: Partial<MeetingDetails> = {}): MeetingScheduled =>
  meetingScheduled({ recurrence: WEEKLY, ...overrides });

export const responded = (
  attendee: AttendeeRef,
  response: InvitationResponded['data']['response'],
  extra: Partial<InvitationResponded['data']> = {},
): InvitationResponded => ({
  type: 'InvitationResponded',
  data: { meetingId: MEETING, attendee, response, occurredAt: NOW, ...extra },
});

export const occurrenceCancelled = (n: number, sequence = 1): OccurrenceCancelled => ({
  type: 'OccurrenceCancelled',
  data: {
    meetingId: MEETING,
    organizerId: 'alice',
    sequence,
    originalStart: week(n),
    start: week(n),
    end: hourLater(week(n)),
    cancelledBy: 'alice',
    occurredAt: NOW,
  },
});

export const occurrenceRetitled = (n: number, title: string, sequence = 1): OccurrenceUpdated => ({
  type: 'OccurrenceUpdated',
  data: {
    meetingId: MEETING,
    organizerId: 'alice',
    sequence,
    override: { originalStart: week(n), start: week(n), end: hourLater(week(n)), title, responses: {} },
    changed: ['title'],
    timeChanged: false,
    updatedBy: 'alice',
    occurredAt: NOW,
  },
});

export const meetingCancelled = (sequence = 1): MeetingCancelled => ({
  type: 'MeetingCancelled',
  data: {
    meetingId: MEETING,
    organizerId: 'alice',
    sequence,
    attendees: ATTENDEES,
    cancelledBy: 'alice',
    occurredAt: NOW,
  },
});

/** The answers of a folded state, by attendee key, for compact assertions. */
export const answers = (attendees: readonly Attendee[]): Record<string, string> =>
  Object.fromEntries(attendees.map((a) => ['userId' in a ? a.userId : a.email, a.response]));
