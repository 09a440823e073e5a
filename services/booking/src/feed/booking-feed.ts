import type { RoomScheduleEvent } from '@roomledger/booking-domain';
import type { RecordedEvent } from '@roomledger/event-store';
import type { IntegrationMessage } from '@roomledger/messaging';

const type = (name: string): string => `roomledger.booking.${name}.v1`;

/**
 * The public booking feed: each room-schedule event as its `booking.events.v1` message (JSON Schemas
 * in `libs/contracts/schemas/booking.events.v1`), keyed by room id (the stream id, the relay's
 * default). Internal events (`RoomPolicyApplied`, `SeriesOccurrencesSkipped`, which the meeting feed
 * reports) are not published. Stateless: every event carries the whole booking after it.
 */
export function toBookingFeedMessage(recorded: RecordedEvent): IntegrationMessage | null {
  const event = recorded as RecordedEvent<RoomScheduleEvent>;
  const streamRevision = Number(recorded.revision);
  switch (event.type) {
    case 'HoldPlaced':
      return booking('held', { ...event.data, status: 'held' }, streamRevision);
    case 'BookingConfirmed':
      return booking('confirmed', { ...event.data, status: 'confirmed' }, streamRevision);
    case 'BookingCancelled':
      return booking('cancelled', { ...event.data, status: 'cancelled' }, streamRevision);
    case 'HoldExpired':
      return booking('expired', { ...event.data, status: 'expired' }, streamRevision);
    case 'BookingRescheduled':
      return booking('rescheduled', { ...event.data }, streamRevision);
    case 'MaintenanceBlockPlaced':
      return {
        type: type('maintenance-blocked'),
        subject: event.data.blockId,
        data: { ...event.data, streamRevision },
      };
    case 'MaintenanceBlockLifted':
      return {
        type: type('maintenance-lifted'),
        subject: event.data.blockId,
        data: { ...event.data, streamRevision },
      };
    default:
      return null;
  }
}

function booking(
  name: string,
  data: { readonly bookingId: string } & Record<string, unknown>,
  streamRevision: number,
): IntegrationMessage {
  return { type: type(name), subject: data.bookingId, data: { ...data, streamRevision } };
}
