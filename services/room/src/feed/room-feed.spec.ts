import { randomUUID } from 'node:crypto';
import { roomEventTypes, validateEventPayload, type RoomEventType } from '@roomledger/contracts';
import { encodeCheckpoint, type RecordedEvent } from '@roomledger/event-store';
import { room, type RoomCommand, type RoomEvent } from '@roomledger/room-domain';
import { toRoomFeedMessage } from './room-feed';

/** Drives the real decider through every public room event and checks each message against its JSON Schema. */
describe('The public room feed', () => {
  const actor = { userId: 'ada', roles: ['admin'] };

  const history = (roomId: string, commands: { type: RoomCommand['type']; data: object }[]) => {
    let state = room.initialState();
    const recorded: RecordedEvent<RoomEvent>[] = [];
    commands.forEach(({ type, data }, index) => {
      const now = new Date(Date.UTC(2026, 2, 2, 8, index)).toISOString();
      const command = { type, data: { roomId, ...data }, metadata: { commandId: randomUUID(), actor, now } };
      for (const event of room.decide(command as RoomCommand, state)) {
        state = room.evolve(state, event);
        const revision = BigInt(recorded.length);
        recorded.push({
          ...event,
          eventId: randomUUID(),
          metadata: {},
          streamName: `room-${roomId}`,
          revision,
          position: revision,
          checkpoint: encodeCheckpoint({ major: 1n, minor: revision }),
          createdAt: new Date(now),
        });
      }
    });
    return recorded;
  };

  const lifeOf = (roomId: string, registered: object) =>
    history(roomId, [
      { type: 'RegisterRoom', data: { room: registered } },
      { type: 'UpdateRoom', data: { changes: { name: 'Spree 3.14', capacity: 10 } } },
      {
        type: 'UpdateRoom',
        data: {
          changes: {
            openingHours: [{ weekday: 'sat', opens: '22:00', closes: '02:00' }],
            closures: [{ date: '2026-12-24', from: '13:00', to: '24:00', reason: 'Christmas Eve' }],
            policy: { maxDurationMinutes: null, bufferAfterMinutes: 720 },
          },
        },
      },
      { type: 'RetireRoom', data: { reason: 'moved out' } },
    ]);

  const complete = {
    name: 'Spree 3.12',
    building: 'Spree',
    floor: '3',
    capacity: 8,
    seats: 2,
    timeZone: 'Europe/Berlin',
    amenities: ['projector', 'tag:standing-desk'],
    accessibility: ['step_free'],
    openingHours: [{ weekday: 'mon', opens: '07:00', closes: '20:00' }],
    policy: { minDurationMinutes: 15, maxDurationMinutes: 480, bookingWindowDays: 90 },
  };
  const minimal = { name: 'Box', capacity: 1, timeZone: 'UTC' };

  it.each([
    ['a room with every field', complete],
    ['a room with only the required fields', minimal],
  ])(
    'publishes registered, updated, policy-changed and retired for %s, each valid against its schema',
    (_, registered) => {
      const roomId = randomUUID();
      const messages = lifeOf(roomId, registered).map((event) => ({
        event,
        message: toRoomFeedMessage(event)!,
      }));
      expect(messages.map(({ message }) => message.type)).toEqual(
        roomEventTypes.map((name) => `roomledger.room.${name}.v1`),
      );
      for (const { event, message } of messages) {
        const name = message.type.replace('roomledger.room.', '').replace('.v1', '') as RoomEventType;
        expect(validateEventPayload('room.events.v1', name, message.data)).toEqual({ valid: true });
        expect(message).toMatchObject({ key: roomId, subject: roomId });
        expect(message.data).toMatchObject({ roomId, version: Number(event.revision) + 1 });
      }
    },
  );

  it('carries the whole room after each event, and only the properties the schema names', () => {
    const roomId = 'berlin-spree-3.12';
    const [, , policyChanged, retired] = lifeOf(roomId, complete).map(
      (event) => toRoomFeedMessage(event)!.data,
    );
    expect(policyChanged).toEqual({
      roomId,
      version: 3,
      occurredAt: '2026-03-02T08:02:00Z',
      name: 'Spree 3.14',
      building: 'Spree',
      floor: '3',
      capacity: 10,
      seats: 2,
      timeZone: 'Europe/Berlin',
      amenities: ['projector', 'tag:standing-desk'],
      accessibility: ['step_free'],
      openingHours: [{ weekday: 'sat', opens: '22:00', closes: '02:00' }],
      closures: [{ date: '2026-12-24', from: '13:00', to: '24:00', reason: 'Christmas Eve' }],
      policy: {
        minDurationMinutes: 15,
        maxDurationMinutes: null,
        bookingWindowDays: 90,
        minNoticeMinutes: 0,
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 720,
      },
      retired: false,
    });
    expect(retired).toEqual({
      ...(policyChanged as object),
      version: 4,
      occurredAt: '2026-03-02T08:03:00Z',
      retired: true,
    });
  });

  it('stops at an event it has no public name for, rather than skip it', () => {
    const [registered] = lifeOf(randomUUID(), minimal);
    expect(() => toRoomFeedMessage({ ...registered, type: 'RoomRenamed' } as never)).toThrow(
      /no public name/,
    );
  });
});
