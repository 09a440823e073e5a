import type { Decider } from '../room-schedule';
import { cancelMeeting } from './decide-cancel';
import { acceptProposal, respondToInvitation } from './decide-response';
import { continueSeries, scheduleMeeting } from './decide-schedule';
import { updateMeeting } from './decide-update';
import type { MeetingCommand } from './meeting.commands';
import type { MeetingEvent } from './meeting.events';
import { evolveMeeting, initialMeetingState, type MeetingState } from './meeting.state';

/**
 * The Meeting decider (stream `meeting-<meetingId>`), a series included. Pure: `now`, ids and the
 * actor arrive with the command. A refusal is a thrown `DomainError`; "nothing to do" is an empty list.
 * The stream is the meeting's, so its revision is the meeting's version (`ETag`/`If-Match` need no
 * field here, unlike a booking inside a room's stream).
 */
export const decideMeeting = (command: MeetingCommand, state: MeetingState): MeetingEvent[] => {
  switch (command.type) {
    case 'ScheduleMeeting':
      return scheduleMeeting(command, state);
    case 'UpdateMeeting':
      return updateMeeting(command, state);
    case 'CancelMeeting':
      return cancelMeeting(command, state);
    case 'RespondToInvitation':
      return respondToInvitation(command, state);
    case 'AcceptProposal':
      return acceptProposal(command, state);
    case 'ContinueSeries':
      return continueSeries(command, state);
    default: {
      const unhandled: never = command;
      throw new Error(`Meeting cannot handle ${(unhandled as { type: string }).type}`);
    }
  }
};

export const meetingDecider: Decider<MeetingCommand, MeetingEvent, MeetingState> = {
  decide: decideMeeting,
  evolve: evolveMeeting,
  initialState: initialMeetingState,
};
