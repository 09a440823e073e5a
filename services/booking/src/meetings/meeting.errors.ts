import type { TimeSpan } from '@roomledger/booking-domain';

/**
 * Refusals of the meeting use cases that are not the decider's: they travel under codes of the
 * contracts' table (`attendees_busy`, `version_mismatch`, `invalid_meeting_state`) through the
 * service's error mapper.
 */

/** `strict` scheduling and at least one attendee is busy during the meeting. */
export class AttendeesBusy extends Error {
  readonly code = 'attendees_busy';
  constructor(readonly attendees: readonly AttendeeBusy[]) {
    super(`attendees busy: ${attendees.map((a) => a.userId).join(', ')}`);
    this.name = 'AttendeesBusy';
  }
}

/** An attendee's busy time during the meeting (no titles: free/busy privacy). */
export interface AttendeeBusy {
  readonly userId: string;
  readonly busy: readonly TimeSpan[];
}

/** If-Match on a meeting: its version is its stream revision + 1. */
export class MeetingVersionMismatch extends Error {
  readonly code = 'version_mismatch';
  constructor(
    readonly meetingId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`meeting ${meetingId} is at version ${actualVersion}, not ${expectedVersion}`);
    this.name = 'MeetingVersionMismatch';
  }
}
