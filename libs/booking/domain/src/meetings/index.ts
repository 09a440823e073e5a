export * from './meeting.model';
export * from './meeting.commands';
export * from './meeting.events';
export * from './meeting.errors';
export {
  evolveMeeting,
  initialMeetingState,
  type CancelledMeeting,
  type MeetingState,
  type ScheduledMeeting,
} from './meeting.state';
export { decideMeeting, meetingDecider } from './meeting';
export {
  expandSeries,
  generatedStarts,
  MAX_OCCURRENCES,
  rruleText,
  type Occurrence,
  type SeriesExpansion,
  type SeriesInput,
} from './recurrence';
export * from './free-busy';
export * from './find-times';
export * from './working-hours';
export { vtimezone } from './vtimezone';
