import { DeciderSpecification } from '@roomledger/testing';
import { ValidationFailed } from '../errors';
import { meetingDecider } from './meeting';
import type { MeetingCommand } from './meeting.commands';
import { MeetingAlreadyExists, OccurrenceNotFound } from './meeting.errors';
import type { MeetingEvent, OccurrenceUpdated, SeriesSplit } from './meeting.events';
import {
  acceptProposal,
  answers,
  ATTENDEES,
  bob,
  cancelMeeting,
  details,
  hourLater,
  MEETING,
  meetingCancelled,
  NOW,
  occurrenceCancelled,
  occurrenceRetitled,
  respond,
  responded,
  updateMeeting,
  week,
  WEEKLY,
  weeklyScheduled,
} from './meeting.fixtures';
import type { MeetingState } from './meeting.state';
import { expandSeries } from './recurrence';

const given = DeciderSpecification.for(meetingDecider);

describe('Meeting: a weekly series', () => {
  describe('When one occurrence changes (scope this)', () => {
    it('overrides it by its original start and asks everyone but the organizer again', () => {
      given([weeklyScheduled(), bobAccepted])
        .when(
          updateMeeting({
            scope: 'this',
            occurrenceStart: week(3),
            changes: { start: hourLater(week(3), 2) },
          }),
        )
        .then(movedWeek3);
      const series = fold([weeklyScheduled(), bobAccepted, movedWeek3]);
      expect(starts(series)).toEqual([
        ...WEEKS_BUT(3).slice(0, 2),
        hourLater(week(3), 2),
        ...WEEKS_BUT(3).slice(2),
      ]);
      expect(series.status === 'scheduled' && answers(series.attendees).bob).toBe('accepted');
    });

    it('cancels it as an EXDATE, once', () => {
      given([weeklyScheduled()])
        .when(cancelMeeting({ scope: 'this', occurrenceStart: week(4), message: 'Holiday' }))
        .then({ ...occurrenceCancelled(4), data: { ...occurrenceCancelled(4).data, message: 'Holiday' } });
      given([weeklyScheduled(), occurrenceCancelled(4)])
        .when(cancelMeeting({ scope: 'this', occurrenceStart: week(4) }))
        .thenNothingHappened();
      expect(starts(fold([weeklyScheduled(), movedWeek3, occurrenceCancelled(3, 2)]))).toEqual(WEEKS_BUT(3));
    });

    it('refuses a start that is no occurrence, and series-wide fields', () => {
      given([weeklyScheduled()])
        .when(updateMeeting({ scope: 'this', occurrenceStart: hourLater(week(3)), changes: { title: 'x' } }))
        .thenThrows(OccurrenceNotFound, (error) => error.code === 'not_found');
      given([weeklyScheduled(), occurrenceCancelled(4)])
        .when(updateMeeting({ scope: 'this', occurrenceStart: week(4), changes: { title: 'x' } }))
        .thenThrows(OccurrenceNotFound);
      given([weeklyScheduled()])
        .when(updateMeeting({ scope: 'this', occurrenceStart: week(3), changes: { attendees: [] } }))
        .thenThrows(ValidationFailed, (error) => error.field === 'changes.attendees');
    });

    it('takes an answer and a proposal for one occurrence, and the organizer can accept that proposal', () => {
      const proposal = { start: hourLater(week(2), 3), end: hourLater(week(2), 4) };
      const bobProposes = responded({ userId: 'bob' }, 'declined', { occurrenceStart: week(2), proposal });
      given([weeklyScheduled()])
        .when(respond({ by: bob, response: 'declined', occurrenceStart: week(2), proposal }))
        .then(bobProposes);
      given([weeklyScheduled()])
        .when(respond({ by: bob, response: 'declined', proposal }))
        .thenThrows(ValidationFailed, (error) => error.field === 'occurrenceStart');
      given([weeklyScheduled(), bobProposes])
        .when(acceptProposal({ occurrenceStart: week(2) }))
        .then(
          occurrenceUpdated(
            {
              originalStart: week(2),
              ...proposal,
              responses: {
                'user:bob': { response: 'accepted' },
                'user:carol': { response: 'needs-action' },
                'email:guest@example.com': { response: 'needs-action' },
              },
            },
            ['start', 'end'],
            { timeChanged: true, proposalOf: { userId: 'bob' } },
          ),
        );
    });
  });

  describe('When the organizer edits this and following occurrences', () => {
    const history = (): MeetingEvent[] => [
      weeklyScheduled(),
      bobAccepted,
      responded({ userId: 'carol' }, 'tentative'),
      occurrenceCancelled(2, 1),
      occurrenceRetitled(7, 'Demo day', 2),
    ];

    it('splits the series: the original ends before it, the new one carries the RSVPs and later exceptions', () => {
      given(history())
        .when(
          updateMeeting({
            scope: 'following',
            occurrenceStart: week(5),
            newMeetingId: 'm2',
            changes: { title: 'Roadmap' },
          }),
        )
        .then(
          split({
            title: 'Roadmap',
            attendees: rsvps,
            recurrence: { rule: { frequency: 'weekly', count: 6 }, exdates: [] },
            overrides: [occurrenceRetitled(7, 'Demo day').data.override],
          }),
        );
    });

    it('keeps the earlier RSVPs and exceptions with the original, and the new series starts from the split', () => {
      const [event] = decide(
        history(),
        updateMeeting({
          scope: 'following',
          occurrenceStart: week(5),
          newMeetingId: 'm2',
          changes: { title: 'Roadmap' },
        }),
      );
      const original = fold([...history(), event]);
      expect(starts(original)).toEqual([week(1), week(3), week(4)]);
      expect(original.status === 'scheduled' && answers(original.attendees)).toMatchObject({
        bob: 'accepted',
        carol: 'tentative',
      });
      expect(original.status === 'scheduled' && original.recurrence).toEqual({
        rule: { frequency: 'weekly', until: '2027-03-29T06:59:59Z' },
        exdates: [week(2)],
      });

      const continued = decide([], continueSeries(event as SeriesSplit));
      const next = fold(continued);
      expect(
        next.status === 'scheduled' && { id: next.meetingId, seq: next.sequence, from: next.splitFrom },
      ).toEqual({
        id: 'm2',
        seq: 0,
        from: { meetingId: MEETING, originalStart: week(5) },
      });
      expect(starts(next)).toEqual(WEEKS_BUT().slice(4));
      expect(titles(next)).toEqual(['Roadmap', 'Roadmap', 'Demo day', 'Roadmap', 'Roadmap', 'Roadmap']);
      expect(next.status === 'scheduled' && answers(next.attendees)).toMatchObject({
        bob: 'accepted',
        carol: 'tentative',
      });
    });

    it('asks again in the new series only when the time changes there', () => {
      const [event] = decide(
        history(),
        updateMeeting({
          scope: 'following',
          occurrenceStart: week(5),
          newMeetingId: 'm2',
          changes: { start: hourLater(week(5)) },
        }),
      ) as SeriesSplit[];
      expect(answers(event.data.continuation.attendees)).toEqual({
        alice: 'accepted',
        bob: 'needs-action',
        carol: 'needs-action',
        'guest@example.com': 'needs-action',
      });
      // The retitled week 7 keeps its title at the new time, without answers of its own.
      expect(event.data.continuation.overrides).toEqual([
        {
          originalStart: hourLater(week(7)),
          start: hourLater(week(7)),
          end: hourLater(week(7), 2),
          title: 'Demo day',
          responses: {},
        },
      ]);
      const original = fold([...history(), event]);
      expect(original.status === 'scheduled' && answers(original.attendees)).toMatchObject({
        bob: 'accepted',
      });
    });

    it('is the same as scope all at the first occurrence, and needs an id for the new series', () => {
      given([weeklyScheduled()])
        .when(updateMeeting({ scope: 'following', occurrenceStart: week(1), changes: { title: 'Roadmap' } }))
        .then({
          type: 'MeetingUpdated',
          data: {
            ...details({ recurrence: WEEKLY, title: 'Roadmap', sequence: 1 }),
            changed: ['title'],
            timeChanged: false,
            removedAttendees: [],
            updatedBy: 'alice',
            occurredAt: NOW,
          },
        });
      given([weeklyScheduled()])
        .when(updateMeeting({ scope: 'following', occurrenceStart: week(5), changes: { title: 'Roadmap' } }))
        .thenThrows(ValidationFailed, (error) => error.field === 'newMeetingId');
    });
  });

  describe('When the new series is started from the split', () => {
    it('is scheduled once, whatever the number of deliveries', () => {
      const [event] = decide([weeklyScheduled()], followingRetitle) as SeriesSplit[];
      given([])
        .when(continueSeries(event))
        .then({
          type: 'MeetingScheduled',
          data: { ...event.data.continuation, scheduledBy: 'alice', occurredAt: NOW },
        });
      given(decide([], continueSeries(event)))
        .when(continueSeries(event))
        .thenNothingHappened();
      given([weeklyScheduled({ meetingId: 'm2' })])
        .when(continueSeries(event))
        .thenThrows(MeetingAlreadyExists);
    });
  });

  describe('When the organizer cancels this and following occurrences', () => {
    it('ends the series before the occurrence, once; at the first occurrence it cancels all', () => {
      const truncated = {
        type: 'SeriesTruncated' as const,
        data: {
          meetingId: MEETING,
          organizerId: 'alice',
          sequence: 1,
          originalStart: week(8),
          until: '2027-04-19T06:59:59Z',
          cancelledBy: 'alice',
          occurredAt: NOW,
        },
      };
      given([weeklyScheduled()])
        .when(cancelMeeting({ scope: 'following', occurrenceStart: week(8) }))
        .then(truncated);
      given([weeklyScheduled(), truncated])
        .when(cancelMeeting({ scope: 'following', occurrenceStart: week(8) }))
        .thenNothingHappened();
      expect(starts(fold([weeklyScheduled(), truncated]))).toEqual(WEEKS_BUT().slice(0, 7));
      given([weeklyScheduled()])
        .when(cancelMeeting({ scope: 'following', occurrenceStart: week(1) }))
        .then({ ...meetingCancelled(), data: { ...meetingCancelled().data } });
    });
  });

  describe('When the state is stored', () => {
    it('is plain JSON: a snapshot decides like the folded events', () => {
      const events = [
        weeklyScheduled(),
        bobAccepted,
        movedWeek3,
        occurrenceCancelled(2, 2),
        occurrenceRetitled(7, 'Demo', 3),
      ];
      const restored = JSON.parse(JSON.stringify(fold(events))) as MeetingState;
      expect(restored).toEqual(fold(events));
      expect(meetingDecider.decide(followingRetitle, restored)).toEqual(decide(events, followingRetitle));
    });
  });

  describe('When the whole series moves (scope all)', () => {
    it('resets the answers and keeps cancelled and retitled occurrences on their dates', () => {
      const [event] = decide(
        [weeklyScheduled(), bobAccepted, occurrenceCancelled(3, 1), occurrenceRetitled(6, 'Offsite', 2)],
        updateMeeting({ changes: { start: hourLater(week(1)) } }),
      );
      const moved = fold([weeklyScheduled(), event]);
      expect(event.type === 'MeetingUpdated' && [event.data.timeChanged, event.data.sequence]).toEqual([
        true,
        3,
      ]);
      expect(starts(moved)).toEqual(WEEKS_BUT(3).map((start) => hourLater(start)));
      expect(titles(moved)[4]).toBe('Offsite');
      expect(moved.status === 'scheduled' && answers(moved.attendees).bob).toBe('needs-action');
    });

    it('refuses a kept rule the new start no longer fits', () => {
      given([
        weeklyScheduled({ recurrence: { rule: { frequency: 'weekly', byWeekday: ['mon'] }, exdates: [] } }),
      ])
        .when(updateMeeting({ changes: { start: '2027-03-02T08:00:00Z' } }))
        .thenThrows(ValidationFailed, (error) => error.field === 'changes.recurrence.rule');
    });
  });
});

// Fixtures
const bobAccepted = responded({ userId: 'bob' }, 'accepted');
const rsvps = [
  ATTENDEES[0],
  { ...ATTENDEES[1], response: 'accepted' as const },
  { ...ATTENDEES[2], response: 'tentative' as const },
  ATTENDEES[3],
];
const followingRetitle = updateMeeting({
  scope: 'following',
  occurrenceStart: week(5),
  newMeetingId: 'm2',
  changes: { title: 'Roadmap' },
});
const WEEKS_BUT = (...n: number[]) => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((i) => !n.includes(i)).map(week);
const everything = { from: '2027-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z' };

function fold(events: readonly MeetingEvent[]): MeetingState {
  return events.reduce(meetingDecider.evolve, meetingDecider.initialState());
}
function decide(events: readonly MeetingEvent[], command: MeetingCommand): MeetingEvent[] {
  return meetingDecider.decide(command, fold(events));
}
function starts(state: MeetingState): string[] {
  return state.status === 'none' ? [] : expandSeries(state, everything).occurrences.map((o) => o.start);
}
function titles(state: MeetingState): string[] {
  return state.status === 'none' ? [] : expandSeries(state, everything).occurrences.map((o) => o.title);
}
function continueSeries(event: SeriesSplit): MeetingCommand {
  return {
    type: 'ContinueSeries',
    data: { split: event.data },
    metadata: { commandId: 'c2', actor: bob, now: NOW },
  };
}
function occurrenceUpdated(
  override: OccurrenceUpdated['data']['override'],
  changed: OccurrenceUpdated['data']['changed'],
  extra: Partial<OccurrenceUpdated['data']> = {},
): OccurrenceUpdated {
  return {
    type: 'OccurrenceUpdated',
    data: {
      meetingId: MEETING,
      organizerId: 'alice',
      sequence: 1,
      override,
      changed,
      timeChanged: false,
      updatedBy: 'alice',
      occurredAt: NOW,
      ...extra,
    },
  };
}
const movedWeek3 = occurrenceUpdated(
  {
    originalStart: week(3),
    start: hourLater(week(3), 2),
    end: hourLater(week(3), 3),
    responses: {
      'user:bob': { response: 'needs-action' },
      'user:carol': { response: 'needs-action' },
      'email:guest@example.com': { response: 'needs-action' },
    },
  },
  ['start', 'end'],
  { timeChanged: true },
);
function split(continuation: Parameters<typeof details>[0]): SeriesSplit {
  return {
    type: 'SeriesSplit',
    data: {
      meetingId: MEETING,
      organizerId: 'alice',
      sequence: 3,
      originalStart: week(5),
      until: '2027-03-29T06:59:59Z',
      continuation: details({
        meetingId: 'm2',
        start: week(5),
        end: hourLater(week(5)),
        splitFrom: { meetingId: MEETING, originalStart: week(5) },
        ...continuation,
      }),
      splitBy: 'alice',
      occurredAt: NOW,
    },
  };
}
