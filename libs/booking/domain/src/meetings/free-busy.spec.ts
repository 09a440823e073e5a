import { busyPeriods, occurrenceAsSeenBy } from './free-busy';
import { meetingDecider } from './meeting';
import type { MeetingEvent } from './meeting.events';
import {
  guest,
  hourLater,
  meetingCancelled,
  meetingScheduled,
  occurrenceCancelled,
  responded,
  week,
  weeklyScheduled,
} from './meeting.fixtures';
import type { MeetingState } from './meeting.state';
import { expandSeries } from './recurrence';

describe('Free/busy from meetings', () => {
  describe('When an attendee is invited', () => {
    it('is busy unless they declined: accepted, tentative and unanswered all block time', () => {
      const meetings = [
        state([meetingScheduled(), responded({ userId: 'bob' }, 'tentative')]),
        state([
          meetingScheduled({ meetingId: 'm2', start: '2027-03-01T08:30:00Z', end: '2027-03-01T10:00:00Z' }),
        ]),
        state([
          meetingScheduled({ meetingId: 'm3', start: '2027-03-01T12:00:00Z', end: '2027-03-01T13:00:00Z' }),
          declined('m3'),
        ]),
      ];
      expect(busyPeriods(meetings, { userId: 'bob' }, day)).toEqual([
        { start: '2027-03-01T08:00:00Z', end: '2027-03-01T10:00:00Z' },
      ]);
      expect(busyPeriods(meetings, guest, day)).toEqual([
        { start: '2027-03-01T08:00:00Z', end: '2027-03-01T10:00:00Z' },
        { start: '2027-03-01T12:00:00Z', end: '2027-03-01T13:00:00Z' },
      ]);
    });

    it('frees one occurrence declined on its own, and cancelled occurrences and meetings', () => {
      const series = state([
        weeklyScheduled(),
        responded({ userId: 'bob' }, 'accepted'),
        responded({ userId: 'bob' }, 'declined', { occurrenceStart: week(2) }),
        occurrenceCancelled(3),
      ]);
      const busy = busyPeriods(
        [series, state([meetingScheduled({ meetingId: 'm9' }), cancelled('m9')])],
        { userId: 'bob' },
        month,
      );
      expect(busy.map((b) => b.start)).toEqual([week(1), week(4)]);
    });

    it('clips to the window and knows nothing of meetings one is not invited to', () => {
      expect(
        busyPeriods(
          [state([meetingScheduled()])],
          { userId: 'bob' },
          { from: '2027-03-01T08:30:00Z', to: day.to },
        ),
      ).toEqual([{ start: '2027-03-01T08:30:00Z', end: hourLater(week(1)) }]);
      expect(busyPeriods([state([meetingScheduled()])], { userId: 'mallory' }, day)).toEqual([]);
    });
  });

  describe('When the meeting is private', () => {
    it('shows the attendees everything and everyone else only busy time', () => {
      const meeting = state([meetingScheduled({ visibility: 'private' })]);
      if (meeting.status === 'none') throw new Error('unreachable');
      const [occurrence] = expandSeries(meeting, day).occurrences;
      expect(occurrenceAsSeenBy(meeting, occurrence, { userId: 'bob' })).toMatchObject({
        busyOnly: false,
        title: 'Planning',
      });
      expect(occurrenceAsSeenBy(meeting, occurrence, { userId: 'mallory' })).toEqual({
        start: week(1),
        end: hourLater(week(1)),
        busyOnly: true,
      });
    });
  });
});

// Fixtures
const day = { from: '2027-03-01T00:00:00Z', to: '2027-03-02T00:00:00Z' };
const month = { from: '2027-03-01T00:00:00Z', to: '2027-03-29T00:00:00Z' };
function state(events: MeetingEvent[]): MeetingState {
  return events.reduce(meetingDecider.evolve, meetingDecider.initialState());
}
function cancelled(meetingId: string): MeetingEvent {
  const event = meetingCancelled();
  return { ...event, data: { ...event.data, meetingId } };
}
function declined(meetingId: string): MeetingEvent {
  const event = responded({ userId: 'bob' }, 'declined');
  return { ...event, data: { ...event.data, meetingId } };
}
