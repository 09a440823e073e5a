import { DeciderSpecification } from '@roomledger/testing';
import { Forbidden, ValidationFailed } from '../errors';
import { meetingDecider } from './meeting';
import { NotInvited, NotOrganizer, ProposalNotFound, ProposalsNotAllowed } from './meeting.errors';
import {
  acceptProposal,
  ada,
  ATTENDEES,
  bob,
  carol,
  details,
  guest,
  mallory,
  meetingScheduled,
  NOW,
  respond,
  responded,
  updateMeeting,
} from './meeting.fixtures';

const given = DeciderSpecification.for(meetingDecider);

describe('Meeting: invitations and proposals', () => {
  describe('When an invited attendee answers', () => {
    it('records the answer and the comment, once', () => {
      given([meetingScheduled()])
        .when(respond({ by: bob, response: 'tentative', comment: 'May be late' }))
        .then(responded({ userId: 'bob' }, 'tentative', { comment: 'May be late' }));
      given([meetingScheduled(), responded({ userId: 'bob' }, 'tentative')])
        .when(respond({ by: bob, response: 'tentative' }))
        .thenNothingHappened();
    });

    it('lets an admin record the answer of an e-mail guest (a link the service verified)', () => {
      given([meetingScheduled()])
        .when(respond({ by: ada, attendee: { email: 'GUEST@example.com' }, response: 'declined' }))
        .then(responded(guest, 'declined'));
    });

    it('refuses anyone not invited, and answering for someone else', () => {
      given([meetingScheduled()])
        .when(respond({ by: mallory }))
        .thenThrows(NotInvited);
      given([meetingScheduled()])
        .when(respond({ by: bob, attendee: { userId: 'carol' } }))
        .thenThrows(Forbidden, (error) => !(error instanceof NotInvited));
      given([meetingScheduled()])
        .when(respond({ by: bob, response: 'maybe' as never }))
        .thenThrows(ValidationFailed);
    });
  });

  describe('When an attendee proposes another time', () => {
    it('records the proposal with the answer', () => {
      given([meetingScheduled()])
        .when(respond({ by: bob, response: 'declined', proposal: later }))
        .then(responded({ userId: 'bob' }, 'declined', { proposal: later }));
    });

    it('is refused when the organizer takes no proposals', () => {
      given([meetingScheduled({ allowProposals: false })])
        .when(respond({ by: bob, response: 'declined', proposal: later }))
        .thenThrows(ProposalsNotAllowed, (error) => error.code === 'forbidden');
    });

    it('moves the meeting when the organizer accepts it: new sequence, answers reset, proposer accepted', () => {
      given([meetingScheduled(), responded({ userId: 'carol' }, 'accepted'), bobProposes])
        .when(acceptProposal())
        .then({
          type: 'MeetingUpdated',
          data: {
            ...details({
              ...later,
              sequence: 1,
              attendees: [
                ATTENDEES[0],
                { userId: 'bob', required: true, response: 'accepted' },
                ...ATTENDEES.slice(2),
              ],
            }),
            changed: ['start', 'end'],
            timeChanged: true,
            removedAttendees: [],
            updatedBy: 'alice',
            proposalOf: { userId: 'bob' },
            occurredAt: NOW,
          },
        });
    });

    it('is accepted by the organizer only, not by an attendee or an admin', () => {
      given([meetingScheduled(), bobProposes])
        .when(acceptProposal({ by: carol }))
        .thenThrows(NotOrganizer);
      given([meetingScheduled(), bobProposes])
        .when(acceptProposal({ by: ada }))
        .thenThrows(NotOrganizer);
    });

    it('is gone once the time changed some other way', () => {
      given([meetingScheduled(), bobProposes])
        .when(acceptProposal({ attendee: { userId: 'carol' } }))
        .thenThrows(ProposalNotFound);
      given([
        meetingScheduled(),
        bobProposes,
        ...events(updateMeeting({ changes: { start: '2027-03-01T12:00:00Z' } })),
      ])
        .when(acceptProposal())
        .thenThrows(ProposalNotFound);
    });

    it('is not for the organizer, who changes the time directly', () => {
      given([meetingScheduled()])
        .when(respond({ response: 'accepted', proposal: later }))
        .thenThrows(ValidationFailed, (error) => error.field === 'proposal');
    });
  });
});

// Fixtures
const later = { start: '2027-03-01T13:00:00Z', end: '2027-03-01T14:00:00Z' };
const bobProposes = responded({ userId: 'bob' }, 'tentative', { proposal: later });
function events(command: Parameters<typeof meetingDecider.decide>[0]) {
  const state = [meetingScheduled(), bobProposes].reduce(
    meetingDecider.evolve,
    meetingDecider.initialState(),
  );
  return meetingDecider.decide(command, state);
}
