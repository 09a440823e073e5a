import { randomUUID } from 'node:crypto';
import {
  meetingDecider,
  roomSchedule,
  type MeetingCommand,
  type MeetingEvent,
  type MeetingState,
  type RoomScheduleCommand,
  type RoomScheduleEvent,
} from '@roomledger/booking-domain';
import { meetingEventTypes, validateEventPayload, type MeetingEventType } from '@roomledger/contracts';
import { encodeCheckpoint, type RecordedEvent } from '@roomledger/event-store';
import { MEETING_FEED_ROOM_SCHEDULE_TYPES, toMeetingFeedMessage } from './meeting-feed';

/** Drives the real deciders through every public meeting event and checks each message against its schema. */
describe('The public meeting feed', () => {
  const organizer = { userId: 'olga', roles: ['member'] };
  const bob = { userId: 'bob', roles: ['member'] };
  const meetingId = randomUUID();
  const continuationId = randomUUID();
  const seriesId = randomUUID();
  const roomId = 'room-7';
  let state: MeetingState = meetingDecider.initialState();
  const recorded: RecordedEvent[] = [];
  const record = (streamName: string, event: MeetingEvent | RoomScheduleEvent, revision: bigint) => {
    const position = BigInt(recorded.length);
    recorded.push({
      ...event,
      eventId: randomUUID(),
      metadata: {},
      streamName,
      revision,
      position,
      checkpoint: encodeCheckpoint({ major: 1n, minor: position }),
      createdAt: new Date(),
    } as RecordedEvent);
  };
  let meetingRevision = 0n;
  const run = (type: MeetingCommand['type'], data: object, actor = organizer) => {
    const events = meetingDecider.decide(
      {
        type,
        data,
        metadata: { commandId: randomUUID(), actor, now: '2026-02-27T15:00:00Z' },
      } as MeetingCommand,
      state,
    );
    for (const event of events) {
      state = meetingDecider.evolve(state, event);
      record(`meeting-${meetingId}`, event, meetingRevision++);
    }
    return events;
  };

  beforeAll(() => {
    run('ScheduleMeeting', {
      meetingId,
      title: 'Sprint planning',
      attendees: [{ userId: 'bob' }, { email: 'Guest@Example.com', required: false }],
      room: { roomId, bookingId: seriesId },
      start: '2026-03-02T08:00:00Z',
      end: '2026-03-02T09:00:00Z',
      timeZone: 'Europe/Berlin',
      recurrence: { rule: { frequency: 'weekly', count: 10 } },
      reminderMinutes: [10],
    });
    run(
      'RespondToInvitation',
      {
        meetingId,
        response: 'declined',
        occurrenceStart: '2026-03-09T08:00:00Z',
        proposal: { start: '2026-03-10T08:00:00Z', end: '2026-03-10T09:00:00Z' },
      },
      bob,
    );
    run('AcceptProposal', {
      meetingId,
      attendee: { userId: 'bob' },
      occurrenceStart: '2026-03-09T08:00:00Z',
    });
    run('UpdateMeeting', { meetingId, changes: { title: 'Planning' } });
    run('CancelMeeting', {
      meetingId,
      scope: 'this',
      occurrenceStart: '2026-03-16T08:00:00Z',
      message: 'Holiday',
    });
    const [split] = run('UpdateMeeting', {
      meetingId,
      scope: 'following',
      occurrenceStart: '2026-03-30T07:00:00Z',
      newMeetingId: continuationId,
      changes: { description: 'New format' },
    });
    // The continuation in its own stream, as the service starts it.
    const continued = meetingDecider.decide(
      {
        type: 'ContinueSeries',
        data: { split: (split as Extract<MeetingEvent, { type: 'SeriesSplit' }>).data },
        metadata: { commandId: randomUUID(), actor: organizer, now: '2026-02-27T15:01:00Z' },
      },
      meetingDecider.initialState(),
    );
    record(`meeting-${continuationId}`, continued[0], 0n);
    run('CancelMeeting', { meetingId, scope: 'following', occurrenceStart: '2026-03-23T08:00:00Z' });
    run('CancelMeeting', { meetingId });

    // The room's side: a series booked with one week skipped.
    let room = roomSchedule.initialState();
    const decide = (type: RoomScheduleCommand['type'], data: object) => {
      const events = roomSchedule.decide(
        {
          type,
          data,
          metadata: { commandId: randomUUID(), actor: organizer, now: '2026-02-27T15:00:00Z' },
        } as RoomScheduleCommand,
        room,
      );
      room = events.reduce(roomSchedule.evolve, room);
      return events;
    };
    decide('ApplyRoomPolicy', { roomId, policy: { capacity: 6, timeZone: 'Europe/Berlin' } });
    decide('BookDirectly', {
      bookingId: randomUUID(),
      start: '2026-03-09T08:30:00Z',
      end: '2026-03-09T09:30:00Z',
      title: 'x',
    });
    const booked = decide('BookSeries', {
      seriesId,
      title: 'Sprint planning',
      meetingId,
      onConflict: 'skip-conflicts',
      occurrences: ['2026-03-02', '2026-03-09'].map((day) => ({
        bookingId: randomUUID(),
        start: `${day}T08:00:00Z`,
        end: `${day}T09:00:00Z`,
      })),
    });
    booked.forEach((event, index) => record(`roomSchedule-${roomId}`, event, BigInt(10 + index)));
  });

  it('publishes every public event type, each valid against its schema, keyed and subjected by meeting', () => {
    const published = recorded.flatMap((event) => {
      const message = toMeetingFeedMessage(event);
      return message ? [{ event, message }] : [];
    });
    const names = published.map(({ message }) =>
      message.type.replace(/^roomledger\.meeting\.(.+)\.v1$/, '$1'),
    );
    expect(new Set(names)).toEqual(new Set(meetingEventTypes));
    for (const { event, message } of published) {
      const name = message.type.replace(/^roomledger\.meeting\.(.+)\.v1$/, '$1') as MeetingEventType;
      expect({ name, validation: validateEventPayload('meeting.events.v1', name, message.data) }).toEqual({
        name,
        validation: { valid: true },
      });
      const data = message.data as { meetingId: string; streamRevision: number };
      expect(message.key).toBe(data.meetingId);
      expect(message.subject).toBe(data.meetingId);
      expect(data.streamRevision).toBe(Number(event.revision));
    }
  });

  it('tells the scope of updates and cancellations, and carries the whole meeting where it changed as a whole', () => {
    const messages = recorded.flatMap((event) => toMeetingFeedMessage(event) ?? []);
    const scopes = messages
      .filter((m) => /\.(updated|cancelled)\.v1$/.test(m.type))
      .map((m) => `${m.type.split('.')[2]}:${(m.data as { scope: string }).scope}`);
    expect(scopes).toEqual([
      'updated:this',
      'updated:all',
      'cancelled:this',
      'cancelled:following',
      'cancelled:all',
    ]);
    const whole = messages.find(
      (m) => m.type.endsWith('.updated.v1') && (m.data as { scope: string }).scope === 'all',
    );
    expect((whole?.data as { meeting: { title: string } }).meeting.title).toBe('Planning');
    const scheduled = messages.find((m) => m.type.endsWith('.scheduled.v1'));
    expect((scheduled?.data as { recurrence: { rrule: string } }).recurrence.rrule).toBe(
      'FREQ=WEEKLY;COUNT=10',
    );
  });

  it('keeps the room schedule to the booking feed, except conflicts of a meeting series', () => {
    const fromRooms = recorded.filter((event) => event.streamName.startsWith('roomSchedule-'));
    expect(fromRooms.map((event) => toMeetingFeedMessage(event)?.type ?? null)).toEqual([
      null,
      'roomledger.meeting.occurrence-conflicted.v1',
    ]);
    // The relay asks the store only for these types of room schedules: every one it maps is among them.
    const mapped = fromRooms.filter((event) => toMeetingFeedMessage(event) !== null);
    expect(mapped.map((event) => event.type)).toEqual([...MEETING_FEED_ROOM_SCHEDULE_TYPES]);
  });
});
