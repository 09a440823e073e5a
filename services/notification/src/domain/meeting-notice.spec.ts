import {
  meetingFeed,
  meetingPeople,
  organizerCancels,
  organizerUpdates,
  publicMeeting,
  sprintPlanning,
} from '../testing/feed-messages.fixtures';
import {
  ContractViolation,
  meetingNotices,
  meetingReminderJobId,
  planMeetingReminders,
  type MeetingFacts,
  type MeetingNotice,
} from './index';

describe('Notices from the meeting feed', () => {
  const { olga: organizer, bea, cy } = meetingPeople;
  const planning = sprintPlanning({
    guest: { email: 'Guest@Example.com', required: false, response: 'needs-action' },
  });
  const { meetingId } = planning;
  let event = meetingFeed(meetingId);
  const scheduled = () =>
    meetingNotices(
      event('scheduled', { ...publicMeeting(planning), scheduledBy: organizer, streamRevision: 0 }),
      undefined,
    );
  const audiences = (notices: readonly MeetingNotice[]) =>
    notices.map((notice) => [notice.kind, notice.audience, notice.guests]);

  beforeEach(() => {
    event = meetingFeed(meetingId);
  });

  describe('When a meeting is scheduled', () => {
    it('invites every invitee, the organizer among them, and guests by their address', () => {
      const { meeting, notices } = scheduled();
      expect(audiences(notices)).toEqual([['meeting-invitation', [organizer, bea], ['guest@example.com']]]);
      expect(meeting).toMatchObject({
        meetingId,
        status: 'scheduled',
        sequence: 0,
        revision: 0,
        recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10' },
      });
      expect((notices[0] as { meeting: unknown }).meeting).toBe(meeting);
    });
  });

  describe('When the meeting is known', () => {
    const known = (): MeetingFacts => scheduled().meeting!;

    it('tells everyone of a change and tells those taken off that they are', () => {
      const before = known();
      const { meeting, notices } = meetingNotices(
        event(
          'updated',
          organizerUpdates(planning, {
            sequence: 1,
            scope: 'all',
            changed: ['start', 'end', 'attendees'],
            timeChanged: true,
            meeting: publicMeeting({
              ...planning,
              attendees: [planning.attendees[0]!, { userId: cy, required: true, response: 'needs-action' }],
              start: '2026-03-02T09:00:00Z',
              end: '2026-03-02T10:00:00Z',
              sequence: 1,
            }),
            removedAttendees: [{ userId: bea }, { email: 'guest@example.com' }],
          }),
        ),
        before,
      );
      expect(audiences(notices)).toEqual([
        ['meeting-updated', [organizer, cy], []],
        ['meeting-cancelled', [bea], ['guest@example.com']],
      ]);
      expect(notices[0]).toMatchObject({
        scope: 'all',
        timeChanged: true,
        previous: { start: '2026-03-02T08:00:00.000Z', end: '2026-03-02T09:00:00.000Z' },
      });
      expect(notices[1]).toMatchObject({ removed: true, scope: 'all' });
      expect(meeting?.sequence).toBe(1);
    });

    it('keeps a change of one occurrence as its override, and tells everyone', () => {
      const { meeting, notices } = meetingNotices(
        event(
          'updated',
          organizerUpdates(planning, {
            sequence: 1,
            scope: 'this',
            changed: ['start', 'end'],
            timeChanged: true,
            occurrence: {
              originalStart: '2026-03-09T08:00:00Z',
              start: '2026-03-09T10:00:00Z',
              end: '2026-03-09T11:00:00Z',
            },
          }),
        ),
        known(),
      );
      expect(audiences(notices)).toEqual([['meeting-updated', [organizer, bea], ['guest@example.com']]]);
      expect(notices[0]).toMatchObject({
        scope: 'this',
        occurrence: { originalStart: '2026-03-09T08:00:00.000Z', start: '2026-03-09T10:00:00.000Z' },
        previous: { start: '2026-03-09T08:00:00.000Z', end: '2026-03-09T09:00:00.000Z' },
      });
      expect(meeting?.overrides).toEqual([
        {
          originalStart: '2026-03-09T08:00:00.000Z',
          start: '2026-03-09T10:00:00.000Z',
          end: '2026-03-09T11:00:00.000Z',
          responses: {},
        },
      ]);
    });

    it.each([
      ['all', {}, (m: MeetingFacts) => expect(m.status).toBe('cancelled')],
      [
        'this',
        {
          originalStart: '2026-03-16T08:00:00Z',
          start: '2026-03-16T08:00:00Z',
          end: '2026-03-16T09:00:00Z',
        },
        (m: MeetingFacts) => expect(m.recurrence?.exdates).toEqual(['2026-03-16T08:00:00.000Z']),
      ],
      [
        'following',
        { originalStart: '2026-03-16T08:00:00Z', until: '2026-03-16T07:59:59Z' },
        (m: MeetingFacts) => expect(m.recurrence?.rrule).toBe('FREQ=WEEKLY;BYDAY=MO;UNTIL=20260316T075959Z'),
      ],
    ] as const)('tells everyone of a cancellation of scope %s', (scope, extra, check) => {
      const { meeting, notices } = meetingNotices(
        event('cancelled', organizerCancels(planning, { sequence: 2, scope, ...extra })),
        known(),
      );
      expect(audiences(notices)).toEqual([['meeting-cancelled', [organizer, bea], ['guest@example.com']]]);
      expect(notices[0]).toMatchObject({ scope, removed: false });
      expect(meeting?.sequence).toBe(2);
      check(meeting!);
    });

    it('tells the organizer of an answer, and nobody of their own', () => {
      const declined = meetingNotices(
        event('invitation-responded', {
          meetingId,
          attendee: { userId: bea },
          response: 'declined',
          comment: 'On leave',
        }),
        known(),
      );
      expect(audiences(declined.notices)).toEqual([['meeting-response', [organizer], []]]);
      expect(declined.notices[0]).toMatchObject({ response: 'declined', comment: 'On leave' });
      expect(declined.meeting?.attendees[1]).toMatchObject({ key: `user:${bea}`, response: 'declined' });

      const own = meetingNotices(
        event('invitation-responded', { meetingId, attendee: { userId: organizer }, response: 'tentative' }),
        declined.meeting,
      );
      expect(audiences(own.notices)).toEqual([['meeting-response', [], []]]);
    });

    it('tells the organizer which occurrences could not get the room', () => {
      const { notices } = meetingNotices(
        event('occurrence-conflicted', {
          meetingId,
          roomId: 'spree',
          seriesId: 'd9428888-122b-4d1e-8fd8-1c5a1b1a0f55',
          organizerId: organizer,
          occurrences: [
            {
              bookingId: '6e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098',
              start: '2026-03-09T08:00:00Z',
              end: '2026-03-09T09:00:00Z',
              reason: 'slot_taken',
            },
          ],
        }),
        known(),
      );
      expect(audiences(notices)).toEqual([['meeting-occurrences-conflicted', [organizer], []]]);
    });

    it('ends the series at a split and says from when', () => {
      const { meeting, notices } = meetingNotices(
        event('series-split', {
          meetingId,
          organizerId: organizer,
          sequence: 3,
          originalStart: '2026-03-23T08:00:00Z',
          until: '2026-03-23T07:59:59Z',
          newMeetingId: '4b1c2d3e-5f60-4718-92a3-b4c5d6e7f809',
          continuation: publicMeeting({
            ...planning,
            meetingId: '4b1c2d3e-5f60-4718-92a3-b4c5d6e7f809',
            start: '2026-03-23T08:00:00Z',
            end: '2026-03-23T09:00:00Z',
          }),
          splitBy: organizer,
        }),
        known(),
      );
      expect(notices[0]).toMatchObject({ kind: 'meeting-updated', scope: 'following' });
      expect(meeting?.recurrence?.rule).toEqual({
        frequency: 'weekly',
        byWeekday: ['mon'],
        until: '2026-03-23T07:59:59.000Z',
      });
    });

    it('ignores an event older than its copy', () => {
      const copy = { ...known(), revision: 5 };
      const late = event('cancelled', organizerCancels(planning, { sequence: 2, scope: 'all' }));
      const replayed = meetingNotices({ ...late, data: { ...late.data, streamRevision: 4 } }, copy);
      expect(replayed).toEqual({ meeting: copy, notices: [] });
    });
  });

  it('tells nobody about a meeting it never saw scheduled', () => {
    const { meeting, notices } = meetingNotices(
      event('invitation-responded', { meetingId, attendee: { userId: bea }, response: 'accepted' }),
      undefined,
    );
    expect(meeting).toBeUndefined();
    expect(notices).toEqual([]);
  });

  it('refuses a payload that breaks the contract', () => {
    expect(() =>
      meetingNotices(
        {
          id: 'bad',
          type: 'roomledger.meeting.scheduled.v1',
          subject: meetingId,
          data: {
            ...publicMeeting(planning),
            occurredAt: '2026-02-27T15:00:00Z',
            streamRevision: 0,
            attendees: [{ required: true, response: 'maybe' }],
          },
        },
        undefined,
      ),
    ).toThrow(ContractViolation);
    expect(() =>
      meetingNotices(
        { id: 'bad', type: 'roomledger.meeting.scheduled.v1', subject: meetingId, data: [] },
        undefined,
      ),
    ).toThrow(ContractViolation);
  });

  describe('Reminders of a meeting', () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    const occurrences = [
      {
        originalStart: '2026-03-02T08:00:00.000Z',
        start: '2026-03-02T08:00:00.000Z',
        end: '2026-03-02T09:00:00.000Z',
      },
      {
        originalStart: '2026-03-09T08:00:00.000Z',
        start: '2026-03-09T08:00:00.000Z',
        end: '2026-03-09T09:00:00.000Z',
      },
    ];
    const offsets = new Map([[bea, [60, 15]]]);
    const plan = (meeting: MeetingFacts) =>
      planMeetingReminders(meeting, occurrences, (userId) => offsets.get(userId) ?? [1440], now).map(
        (each) => [each.recipientId, each.offsetMinutes, each.fireAt],
      );

    it("reminds the organizer and every user invited, at each one's own offsets, guests not", () => {
      const meeting = scheduled().meeting!;
      expect(plan(meeting)).toEqual([
        [organizer, 1440, '2026-03-01T08:00:00.000Z'],
        [bea, 60, '2026-03-02T07:00:00.000Z'],
        [bea, 15, '2026-03-02T07:45:00.000Z'],
        [organizer, 1440, '2026-03-08T08:00:00.000Z'],
        [bea, 60, '2026-03-09T07:00:00.000Z'],
        [bea, 15, '2026-03-09T07:45:00.000Z'],
      ]);
    });

    it("uses the meeting's own reminders when the organizer set some", () => {
      const meeting = { ...scheduled().meeting!, reminderMinutes: [10] };
      expect(plan(meeting).map(([recipient, offset]) => [recipient, offset])).toEqual([
        [organizer, 10],
        [bea, 10],
        [organizer, 10],
        [bea, 10],
      ]);
    });

    it('leaves out whoever declined, for the series or one occurrence, and everyone once cancelled', () => {
      const meeting = scheduled().meeting!;
      const declinedOne = meetingNotices(
        event('invitation-responded', {
          meetingId,
          attendee: { userId: bea },
          response: 'declined',
          occurrenceStart: '2026-03-09T08:00:00Z',
        }),
        meeting,
      ).meeting!;
      expect(plan(declinedOne).filter(([recipient]) => recipient === bea)).toHaveLength(2);
      const declinedAll = meetingNotices(
        event('invitation-responded', { meetingId, attendee: { userId: bea }, response: 'declined' }),
        declinedOne,
      ).meeting!;
      expect(plan(declinedAll).filter(([recipient]) => recipient === bea)).toEqual([]);
      expect(plan({ ...meeting, status: 'cancelled' })).toEqual([]);
    });

    it('names each job by meeting, occurrence, person and offset', () => {
      expect(meetingReminderJobId(meetingId, '2026-03-09T08:00:00Z', bea, 15)).toBe(
        `reminder_${meetingId}_20260309T080000Z_${bea}_15`,
      );
      expect(meetingReminderJobId(meetingId, undefined, bea, 15)).toBe(
        `reminder_${meetingId}_once_${bea}_15`,
      );
    });
  });
});
