import {
  rruleText,
  type MeetingDetails,
  type MeetingEvent,
  type RoomScheduleEvent,
} from '@roomledger/booking-domain';
import type { RecordedEvent } from '@roomledger/event-store';
import type { IntegrationMessage } from '@roomledger/messaging';

const type = (name: string): string => `roomledger.meeting.${name}.v1`;

/**
 * The only room schedule event types the meeting feed publishes (the relay asks the store for no others).
 */
export const MEETING_FEED_ROOM_SCHEDULE_TYPES: readonly RoomScheduleEvent['type'][] = [
  'SeriesOccurrencesSkipped',
];

/**
 * The public meeting feed: each meeting event as its `meeting.events.v1` message (JSON Schemas in
 * `libs/contracts/schemas/meeting.events.v1`), keyed by meeting id, `ce_subject` the meeting id.
 * Stateless: `scheduled`, `updated` (scope `all`) and `series-split` carry the whole meeting;
 * changes of one occurrence carry the occurrence. Mapping:
 *
 * - `MeetingScheduled` → `scheduled`
 * - `MeetingUpdated` → `updated` (scope `all`), `OccurrenceUpdated` → `updated` (scope `this`)
 * - `MeetingCancelled` → `cancelled` (scope `all`), `OccurrenceCancelled` → `cancelled` (scope
 *   `this`), `SeriesTruncated` → `cancelled` (scope `following`: the occurrences from
 *   `originalStart` on are cancelled, the series now ends at `until`)
 * - `InvitationResponded` → `invitation-responded`
 * - `SeriesSplit` → `series-split` (the original now ends at `until`; `continuation` is the new series)
 * - the room schedule's `SeriesOccurrencesSkipped` for a meeting → `occurrence-conflicted` (keyed by
 *   the meeting; `streamRevision` is then the room stream's)
 */
export function toMeetingFeedMessage(recorded: RecordedEvent): IntegrationMessage | null {
  const streamRevision = Number(recorded.revision);
  if (recorded.streamName.startsWith('roomSchedule-')) {
    const event = recorded as RecordedEvent<RoomScheduleEvent>;
    // Keep in step with MEETING_FEED_ROOM_SCHEDULE_TYPES.
    if (event.type !== 'SeriesOccurrencesSkipped' || !event.data.meetingId) return null;
    const { meetingId, roomId, seriesId, organizerId, skipped, occurredAt } = event.data;
    return message('occurrence-conflicted', meetingId, {
      meetingId,
      roomId,
      seriesId,
      organizerId,
      occurrences: skipped.map((occurrence) => ({
        bookingId: occurrence.bookingId,
        start: occurrence.start,
        end: occurrence.end,
        reason: occurrence.reason.code,
        ...(occurrence.reason.code === 'policy_violation'
          ? { rule: occurrence.reason.rule }
          : { conflicts: occurrence.reason.conflicts }),
      })),
      occurredAt,
      streamRevision,
    });
  }
  if (!recorded.streamName.startsWith('meeting-')) return null;
  const event = recorded as RecordedEvent<MeetingEvent>;
  switch (event.type) {
    case 'MeetingScheduled': {
      const { scheduledBy, occurredAt, ...meeting } = event.data;
      return message('scheduled', meeting.meetingId, {
        ...publicMeeting(meeting),
        scheduledBy,
        occurredAt,
        streamRevision,
      });
    }
    case 'MeetingUpdated': {
      const { changed, timeChanged, removedAttendees, updatedBy, proposalOf, occurredAt, ...meeting } =
        event.data;
      return message('updated', meeting.meetingId, {
        meetingId: meeting.meetingId,
        organizerId: meeting.organizerId,
        sequence: meeting.sequence,
        scope: 'all',
        changed,
        timeChanged,
        updatedBy,
        meeting: publicMeeting(meeting),
        removedAttendees,
        ...(proposalOf ? { proposalOf } : {}),
        occurredAt,
        streamRevision,
      });
    }
    case 'OccurrenceUpdated': {
      const { meetingId, organizerId, sequence, override, changed, timeChanged, updatedBy, proposalOf } =
        event.data;
      return message('updated', meetingId, {
        meetingId,
        organizerId,
        sequence,
        scope: 'this',
        changed,
        timeChanged,
        updatedBy,
        occurrence: {
          originalStart: override.originalStart,
          start: override.start,
          end: override.end,
          ...(override.title !== undefined ? { title: override.title } : {}),
          ...(override.description !== undefined ? { description: override.description } : {}),
          ...(override.room !== undefined ? { room: override.room } : {}),
        },
        ...(proposalOf ? { proposalOf } : {}),
        occurredAt: event.data.occurredAt,
        streamRevision,
      });
    }
    case 'MeetingCancelled': {
      const {
        meetingId,
        organizerId,
        sequence,
        attendees,
        message: note,
        cancelledBy,
        occurredAt,
      } = event.data;
      return message('cancelled', meetingId, {
        meetingId,
        organizerId,
        sequence,
        scope: 'all',
        cancelledBy,
        attendees,
        ...(note !== undefined ? { message: note } : {}),
        occurredAt,
        streamRevision,
      });
    }
    case 'OccurrenceCancelled': {
      const {
        meetingId,
        organizerId,
        sequence,
        originalStart,
        start,
        end,
        message: note,
        cancelledBy,
      } = event.data;
      return message('cancelled', meetingId, {
        meetingId,
        organizerId,
        sequence,
        scope: 'this',
        cancelledBy,
        originalStart,
        start,
        end,
        ...(note !== undefined ? { message: note } : {}),
        occurredAt: event.data.occurredAt,
        streamRevision,
      });
    }
    case 'SeriesTruncated': {
      const {
        meetingId,
        organizerId,
        sequence,
        originalStart,
        until,
        message: note,
        cancelledBy,
      } = event.data;
      return message('cancelled', meetingId, {
        meetingId,
        organizerId,
        sequence,
        scope: 'following',
        cancelledBy,
        originalStart,
        until,
        ...(note !== undefined ? { message: note } : {}),
        occurredAt: event.data.occurredAt,
        streamRevision,
      });
    }
    case 'InvitationResponded': {
      const { meetingId, attendee, occurrenceStart, response, comment, proposal, occurredAt } = event.data;
      return message('invitation-responded', meetingId, {
        meetingId,
        attendee,
        response,
        ...(occurrenceStart !== undefined ? { occurrenceStart } : {}),
        ...(comment !== undefined ? { comment } : {}),
        ...(proposal !== undefined ? { proposal } : {}),
        occurredAt,
        streamRevision,
      });
    }
    case 'SeriesSplit': {
      const { meetingId, organizerId, sequence, originalStart, until, continuation, splitBy, occurredAt } =
        event.data;
      return message('series-split', meetingId, {
        meetingId,
        organizerId,
        sequence,
        originalStart,
        until,
        newMeetingId: continuation.meetingId,
        continuation: publicMeeting(continuation),
        splitBy,
        occurredAt,
        streamRevision,
      });
    }
    default:
      return null;
  }
}

/** A meeting as the feed shows it: the domain's details, with the rule also as RRULE text. */
export function publicMeeting(meeting: MeetingDetails): Record<string, unknown> {
  const { recurrence, ...rest } = meeting;
  return {
    ...rest,
    ...(recurrence
      ? {
          recurrence: {
            rule: recurrence.rule,
            exdates: recurrence.exdates,
            rrule: rruleText(recurrence.rule),
          },
        }
      : {}),
  };
}

function message(name: string, meetingId: string, data: Record<string, unknown>): IntegrationMessage {
  return { type: type(name), subject: meetingId, key: meetingId, data };
}
