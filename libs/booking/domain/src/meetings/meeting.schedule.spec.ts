import { DeciderSpecification } from '@roomledger/testing';
import { Forbidden, ValidationFailed } from '../errors';
import { meetingDecider } from './meeting';
import { MeetingAlreadyExists } from './meeting.errors';
import { ada, bob, meetingScheduled, scheduleMeeting, weeklyScheduled, WEEKLY } from './meeting.fixtures';

const given = DeciderSpecification.for(meetingDecider);

describe('Meeting: scheduling', () => {
  describe('When the meeting is new', () => {
    it('invites everyone: the organizer has accepted, the others need to answer', () => {
      given([]).when(scheduleMeeting()).then(meetingScheduled());
    });

    it('keeps the organizer once and required, even when listed as optional', () => {
      given([])
        .when(scheduleMeeting({ attendees: [{ userId: 'alice', required: false }, { userId: 'bob' }] }))
        .then(
          meetingScheduled({
            attendees: [
              { userId: 'alice', required: true, response: 'accepted' },
              { userId: 'bob', required: true, response: 'needs-action' },
            ],
          }),
        );
    });

    it('records the room, reminders (sorted, once each), privacy and the proposals setting', () => {
      given([])
        .when(
          scheduleMeeting({
            room: { roomId: 'room-1', bookingId: 'b1' },
            reminderMinutes: [15, 5, 15],
            visibility: 'private',
            allowProposals: false,
            description: 'Quarterly',
          }),
        )
        .then(
          meetingScheduled({
            room: { roomId: 'room-1', bookingId: 'b1' },
            reminderMinutes: [5, 15],
            visibility: 'private',
            allowProposals: false,
            description: 'Quarterly',
          }),
        );
    });

    it('schedules a series whose start is its first occurrence', () => {
      given([])
        .when(scheduleMeeting({ recurrence: { rule: { frequency: 'weekly', count: 10 } } }))
        .then(weeklyScheduled());
      given([])
        .when(
          scheduleMeeting({
            recurrence: { rule: { frequency: 'weekly', byWeekday: ['wed', 'mon'], interval: 1, count: 3 } },
          }),
        )
        .then(
          weeklyScheduled({
            recurrence: { rule: { frequency: 'weekly', byWeekday: ['mon', 'wed'], count: 3 }, exdates: [] },
          }),
        );
    });

    it('lets an admin schedule for someone else, but nobody else', () => {
      given([])
        .when(scheduleMeeting({ organizerId: 'bob', by: ada, attendees: [] }))
        .then(
          meetingScheduled({
            organizerId: 'bob',
            attendees: [{ userId: 'bob', required: true, response: 'accepted' }],
            scheduledBy: 'ada',
          }),
        );
      given([])
        .when(scheduleMeeting({ organizerId: 'carol', by: bob }))
        .thenThrows(Forbidden);
    });
  });

  describe('When the input is wrong', () => {
    const refused = (field: string, args: Parameters<typeof scheduleMeeting>[0]) =>
      given([])
        .when(scheduleMeeting(args))
        .thenThrows(ValidationFailed, (error) => expect(error.field).toBe(field));

    it('names the field', () => {
      refused('title', { title: ' ' });
      refused('end', { end: '2027-03-01T08:00:00Z' });
      refused('start', { start: '2027-03-01T09:00:00' });
      refused('timeZone', { timeZone: 'Mars/Olympus' });
      refused('attendees[1]', { attendees: [{ userId: 'bob' }, { userId: 'bob' }] });
      refused('attendees[0]', { attendees: [{ email: 'not an address' }] });
      refused('attendees[0]', { attendees: [{ userId: 'bob', email: 'bob@example.com' } as never] });
      refused('reminderMinutes', { reminderMinutes: [-5] });
      refused('visibility', { visibility: 'secret' as never });
    });

    it('refuses a rule the start is not an occurrence of, and rules RFC 5545 does not allow', () => {
      refused('recurrence.rule', { recurrence: { rule: { frequency: 'weekly', byWeekday: ['tue'] } } });
      refused('recurrence.rule.until', {
        recurrence: { rule: { ...WEEKLY.rule, until: '2027-06-01T00:00:00Z' } },
      });
      refused('recurrence.rule.weekdayPosition', {
        recurrence: { rule: { frequency: 'weekly', byWeekday: ['mon'], weekdayPosition: 2 } },
      });
      refused('recurrence.rule.byMonthDay', {
        recurrence: { rule: { frequency: 'monthly', byMonthDay: [0] } },
      });
      refused('recurrence.exdates[0]', {
        recurrence: { rule: WEEKLY.rule, exdates: ['2027-03-02T08:00:00Z'] },
      });
    });
  });

  describe('When the meeting exists', () => {
    it('refuses another with the same id', () => {
      given([meetingScheduled()]).when(scheduleMeeting()).thenThrows(MeetingAlreadyExists);
    });
  });
});
