import { DeciderSpecification } from '@roomledger/testing';
import { Forbidden, ValidationFailed } from '../errors';
import { meetingDecider } from './meeting';
import { MeetingCancelledAlready, MeetingNotFound, NotOrganizer } from './meeting.errors';
import type { MeetingUpdated } from './meeting.events';
import {
  ada,
  ATTENDEES,
  bob,
  cancelMeeting,
  details,
  meetingCancelled,
  meetingScheduled,
  NOW,
  responded,
  updateMeeting,
} from './meeting.fixtures';
import type { Attendee } from './meeting.model';

const given = DeciderSpecification.for(meetingDecider);

describe('Meeting: changing and cancelling', () => {
  describe('When the organizer changes the title', () => {
    it('bumps the sequence and keeps every answer', () => {
      given([meetingScheduled(), bobAccepted])
        .when(updateMeeting({ changes: { title: 'Roadmap' } }))
        .then(updated({ title: 'Roadmap', attendees: withBobAccepted }, ['title']));
    });

    it('writes nothing when nothing changes', () => {
      given([meetingScheduled()])
        .when(updateMeeting({ changes: { title: 'Planning', start: '2027-03-01T09:00:00+01:00' } }))
        .thenNothingHappened();
    });
  });

  describe('When the organizer changes the time', () => {
    it("resets everyone's answer but the organizer's", () => {
      // The organizer answered tentative herself: that stands, as she made the change.
      given([meetingScheduled(), bobAccepted, responded({ userId: 'alice' }, 'tentative')])
        .when(updateMeeting({ changes: { start: '2027-03-01T10:00:00Z', end: '2027-03-01T11:00:00Z' } }))
        .then(
          updated(
            {
              start: '2027-03-01T10:00:00Z',
              end: '2027-03-01T11:00:00Z',
              attendees: [{ ...ATTENDEES[0], response: 'tentative' }, ...ATTENDEES.slice(1)],
            },
            ['start', 'end'],
            { timeChanged: true },
          ),
        );
    });

    it('moves the meeting with its duration when only the start changes', () => {
      given([meetingScheduled()])
        .when(updateMeeting({ changes: { start: '2027-03-02T08:30:00Z' } }))
        .then(
          updated({ start: '2027-03-02T08:30:00Z', end: '2027-03-02T09:30:00Z' }, ['start', 'end'], {
            timeChanged: true,
          }),
        );
    });

    it('does not reset answers for a new zone alone: a single meeting keeps its instants', () => {
      given([meetingScheduled(), bobAccepted])
        .when(updateMeeting({ changes: { timeZone: 'America/New_York' } }))
        .then(updated({ timeZone: 'America/New_York', attendees: withBobAccepted }, ['timeZone']));
    });

    it('refuses an end before the start', () => {
      given([meetingScheduled()])
        .when(updateMeeting({ changes: { end: '2027-03-01T07:00:00Z' } }))
        .thenThrows(ValidationFailed, (error) => error.field === 'changes.end');
    });
  });

  describe('When the organizer changes attendees or room', () => {
    it('keeps the answers of those still invited and tells who was removed', () => {
      given([meetingScheduled(), bobAccepted])
        .when(
          updateMeeting({ changes: { attendees: [{ userId: 'bob', required: false }, { userId: 'dave' }] } }),
        )
        .then(
          updated(
            {
              attendees: [
                ATTENDEES[0],
                { userId: 'bob', required: false, response: 'accepted' },
                { userId: 'dave', required: true, response: 'needs-action' },
              ],
            },
            ['attendees'],
            { removedAttendees: [{ userId: 'carol' }, { email: 'guest@example.com' }] },
          ),
        );
    });

    it('sets and removes the room', () => {
      const room = { roomId: 'room-1', bookingId: 'b1' };
      given([meetingScheduled()])
        .when(updateMeeting({ changes: { room } }))
        .then(updated({ room }, ['room']));
      given([meetingScheduled({ room })])
        .when(updateMeeting({ changes: { room: null } }))
        .then(updated({}, ['room']));
    });
  });

  describe('When someone else tries', () => {
    it('refuses an attendee with a typed error, lets an admin', () => {
      given([meetingScheduled()])
        .when(updateMeeting({ changes: { title: 'Mine now' }, by: bob }))
        .thenThrows(NotOrganizer, (error) => error instanceof Forbidden && error.code === 'forbidden');
      given([meetingScheduled()])
        .when(updateMeeting({ changes: { title: 'Fixed' }, by: ada }))
        .then(updated({ title: 'Fixed' }, ['title'], { updatedBy: 'ada' }));
      given([meetingScheduled()])
        .when(cancelMeeting({ by: bob }))
        .thenThrows(NotOrganizer);
    });
  });

  describe('When the meeting is cancelled', () => {
    it('tells every attendee, with the message and a new sequence', () => {
      given([meetingScheduled(), bobAccepted])
        .when(cancelMeeting({ message: 'Sorry, postponed' }))
        .then({
          ...meetingCancelled(),
          data: { ...meetingCancelled().data, attendees: withBobAccepted, message: 'Sorry, postponed' },
        });
    });

    it('cancels once; afterwards changes and answers are refused', () => {
      given([meetingScheduled(), meetingCancelled()]).when(cancelMeeting()).thenNothingHappened();
      given([meetingScheduled(), meetingCancelled()])
        .when(updateMeeting({ changes: { title: 'Back' } }))
        .thenThrows(MeetingCancelledAlready);
    });

    it('does not know a meeting that was never scheduled', () => {
      given([])
        .when(updateMeeting({ changes: { title: 'Ghost' } }))
        .thenThrows(MeetingNotFound);
      given([]).when(cancelMeeting()).thenThrows(MeetingNotFound);
    });

    it('refuses occurrence scopes for a single meeting', () => {
      given([meetingScheduled()])
        .when(cancelMeeting({ scope: 'this', occurrenceStart: NOW }))
        .thenThrows(ValidationFailed);
    });
  });
});

// Fixtures
const bobAccepted = responded({ userId: 'bob' }, 'accepted');
const withBobAccepted: Attendee[] = ATTENDEES.map((a) =>
  'userId' in a && a.userId === 'bob' ? { ...a, response: 'accepted' } : a,
);
function updated(
  changes: Parameters<typeof details>[0],
  changed: MeetingUpdated['data']['changed'],
  extra: Partial<MeetingUpdated['data']> = {},
): MeetingUpdated {
  return {
    type: 'MeetingUpdated',
    data: {
      ...details({ ...changes, sequence: 1 }),
      changed,
      timeChanged: false,
      removedAttendees: [],
      updatedBy: 'alice',
      occurredAt: NOW,
      ...extra,
    },
  };
}
