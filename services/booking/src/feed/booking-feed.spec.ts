import { randomUUID } from 'node:crypto';
import { roomSchedule, type RoomScheduleCommand, type RoomScheduleEvent } from '@roomledger/booking-domain';
import { bookingEventTypes, validateEventPayload, type BookingEventType } from '@roomledger/contracts';
import { encodeCheckpoint, type RecordedEvent } from '@roomledger/event-store';
import { toBookingFeedMessage } from './booking-feed';

/** Drives the real decider through every public event and checks each message against its JSON Schema. */
describe('The public booking feed', () => {
  const actor = { userId: 'alice', roles: ['admin'] };
  const roomId = 'room-7';
  const [b1, b2] = [randomUUID(), randomUUID()];
  let state = roomSchedule.initialState();
  const recorded: RecordedEvent<RoomScheduleEvent>[] = [];
  const run = (type: RoomScheduleCommand['type'], data: object, now = '2026-03-01T08:00:00Z') => {
    const events = roomSchedule.decide(
      { type, data, metadata: { commandId: randomUUID(), actor, now } } as RoomScheduleCommand,
      state,
    );
    for (const event of events) {
      state = roomSchedule.evolve(state, event);
      const revision = BigInt(recorded.length);
      recorded.push({
        ...event,
        eventId: randomUUID(),
        metadata: {},
        streamName: `roomSchedule-${roomId}`,
        revision,
        position: revision,
        checkpoint: encodeCheckpoint({ major: 1n, minor: revision }),
        createdAt: new Date(),
      });
    }
  };

  beforeAll(() => {
    run('ApplyRoomPolicy', { roomId, policy: { capacity: 6, timeZone: 'Europe/Berlin' } });
    run('PlaceHold', {
      bookingId: b1,
      start: '2026-03-02T09:00:00Z',
      end: '2026-03-02T10:00:00Z',
      title: 'a',
      ttlSeconds: 300,
    });
    run('ConfirmBooking', { bookingId: b1 });
    run('RescheduleBooking', { bookingId: b1, start: '2026-03-02T09:30:00Z', end: '2026-03-02T10:30:00Z' });
    run('PlaceHold', {
      bookingId: b2,
      start: '2026-03-02T12:00:00Z',
      end: '2026-03-02T13:00:00Z',
      title: 'b',
      ttlSeconds: 60,
    });
    run('ExpireHold', { bookingId: b2 }, '2026-03-01T08:05:00Z');
    run('CancelBooking', { bookingId: b1, reason: 'changed plans' }, '2026-03-01T08:06:00Z');
    run('BlockForMaintenance', { blockId: 'm1', start: '2026-03-03T09:00:00Z', end: '2026-03-03T10:00:00Z' });
    run('LiftMaintenance', { blockId: 'm1' });
  });

  it('publishes every public event type, each valid against its schema, keyed by room, about its aggregate', () => {
    const messages = recorded.map((event) => ({ event, message: toBookingFeedMessage(event) }));
    const published = messages.filter((each) => each.message !== null);
    const names = published.map(({ message }) =>
      message!.type.replace(/^roomledger\.booking\.(.+)\.v1$/, '$1'),
    );
    expect(new Set(names)).toEqual(new Set(bookingEventTypes));
    for (const { event, message } of published) {
      const name = message!.type.replace(/^roomledger\.booking\.(.+)\.v1$/, '$1') as BookingEventType;
      expect(validateEventPayload('booking.events.v1', name, message!.data)).toEqual({ valid: true });
      expect(message!.key).toBeUndefined(); // the relay keys by stream id: the room
      const data = message!.data as { streamRevision: number; bookingId?: string; blockId?: string };
      expect(data.streamRevision).toBe(Number(event.revision));
      expect(message!.subject).toBe(data.bookingId ?? data.blockId);
    }
  });

  it('keeps internal events inside', () => {
    expect(toBookingFeedMessage(recorded[0])).toBeNull(); // RoomPolicyApplied
  });
});
