import { randomUUID } from 'node:crypto';
import type { ServiceError } from '@grpc/grpc-js';
import { decodeErrorInfo, validateEventPayload, type MeetingEventType } from '@roomledger/contracts';
import { createKafka } from '@roomledger/messaging';
import {
  createFeedTopics,
  createTestDatabase,
  eventually,
  grpcClient,
  roomRegisteredMessage,
  startTestService,
  testStack,
  uniqueGroupId,
  waitForGroupJoin,
  type FeedTopics,
  type GrpcTestClient,
  type TestDatabase,
} from '@roomledger/testing';
import ICAL from 'ical.js';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { Temporal } from 'temporal-polyfill';
import { PostgresEventStore } from '@roomledger/event-store-postgres';
import { startBooking } from '../app.module';
import { configSchema } from '../config';
import { MeetingHandler } from './meeting.handler';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Meetings through the booking service as the gateway will call them (gRPC, caller in metadata), on
 * real PostgreSQL and Kafka: rooms arrive through `room.events.v1`, people through `user.events.v1`,
 * the public meeting feed is read back from `meeting.events.v1`.
 */
describe('Meetings in the booking service', () => {
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let feeds: FeedTopics;
  let service: Awaited<ReturnType<typeof startTestService<typeof configSchema>>>;
  let meetings: GrpcTestClient;
  let scheduling: GrpcTestClient;
  let bookings: GrpcTestClient;

  const runId = randomUUID().slice(0, 8);
  const room = (name: string) => `r${runId}-${name}`;
  const rooms = {
    spree: room('spree'), // 8 seats, display + whiteboard, building Spree
    havel: room('havel'), // 12 seats, display, building Havel
    small: room('small'), // 4 seats, nothing
    series: room('series'), // for the 52-week series
    other: room('other'), // alternatives for the series
    windowed: room('windowed'), // a 10-day booking window, later lifted
  };
  const people = { alice: randomUUID(), bob: randomUUID(), carol: randomUUID(), dave: randomUUID() };
  const as = (userId: string) => ({ 'x-roomledger-user-id': userId, 'x-roomledger-roles': 'member' });
  const alice = as(people.alice);
  const bob = as(people.bob);
  const carol = as(people.carol);
  const dave = as(people.dave);

  // Next Monday at least two days ahead, 00:00 UTC: weekdays, inside every booking window, past any notice.
  const today = Temporal.Now.plainDateISO('UTC');
  const monday = today.add({ days: 2 + ((8 - today.add({ days: 2 }).dayOfWeek) % 7) });
  /** An instant at a local wall-clock time on `monday + days` in `zone`. */
  const local = (days: number, time: string, zone = 'Europe/Berlin') =>
    monday
      .add({ days })
      .toPlainDateTime(Temporal.PlainTime.from(time))
      .toZonedDateTime(zone)
      .toInstant()
      .toString({ smallestUnit: 'second' });
  const plus = (instant: string, minutes: number) =>
    Temporal.Instant.from(instant).add({ minutes }).toString({ smallestUnit: 'second' });
  const failure = (call: Promise<unknown>) =>
    call.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: ServiceError) => ({ code: error.code, info: decodeErrorInfo(error.metadata) }),
    );

  beforeAll(async () => {
    database = await createTestDatabase('rl_meetings');
    kafka = createKafka({
      clientId: 'meetings-it',
      brokers: testStack.kafkaBrokers,
      logger: pino({ level: 'error' }),
    });
    feeds = await createFeedTopics(kafka, {
      'room.events.v1': 'ROOM_EVENTS_TOPIC',
      'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
      'meeting.events.v1': 'MEETING_EVENTS_TOPIC',
      'user.events.v1': 'USER_EVENTS_TOPIC',
    });
    producer = kafka.producer();
    await producer.connect();
    service = await startTestService({
      schema: configSchema,
      start: startBooking,
      service: 'booking',
      env: {
        DATABASE_URL: database.url,
        ROOM_EVENTS_GROUP_ID: uniqueGroupId('meetings-rooms'),
        USER_EVENTS_GROUP_ID: uniqueGroupId('meetings-users'),
        SERIES_BOOKING_INTERVAL_MS: '500',
        ...feeds.env,
      },
    });
    const client = (proto: string, name: string) => grpcClient(service.grpcAddress, proto, name);
    meetings = client('roomledger/meeting/v1/meeting.proto', 'roomledger.meeting.v1.MeetingService');
    scheduling = client(
      'roomledger/scheduling/v1/scheduling.proto',
      'roomledger.scheduling.v1.SchedulingService',
    );
    bookings = client('roomledger/booking/v1/booking.proto', 'roomledger.booking.v1.BookingService');

    await producer.send({
      topic: feeds.topic('room.events.v1'),
      messages: [
        roomEvent(rooms.spree, { capacity: 8, amenities: ['display', 'whiteboard'], building: 'Spree' }),
        roomEvent(rooms.havel, { capacity: 12, amenities: ['display'], building: 'Havel' }),
        roomEvent(rooms.small, { capacity: 4 }),
        roomEvent(rooms.series, { capacity: 6 }),
        roomEvent(rooms.other, { capacity: 6 }),
        roomEvent(rooms.windowed, { capacity: 6, bookingWindowDays: 10 }),
      ],
    });
    const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
    const hours = weekdays.map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
    await producer.send({
      topic: feeds.topic('user.events.v1'),
      messages: [
        userEvent(people.alice, 'Alice', 'Europe/Berlin', hours),
        userEvent(people.bob, 'Bob', 'America/New_York', hours),
        userEvent(people.carol, 'Carol', 'Europe/Berlin', hours),
        userEvent(people.dave, 'Dave', 'Europe/Berlin', []),
      ],
    });
    await eventually(async () => {
      for (const roomId of Object.values(rooms))
        await bookings.call(
          'GetRoomAvailability',
          { roomId, from: local(0, '00:00'), to: local(0, '01:00') },
          alice,
        );
      const answer = await scheduling.call<Json>(
        'FindTimes',
        {
          requiredAttendees: Object.values(people),
          durationMinutes: 30,
          from: local(0, '00:00'),
          to: local(1, '00:00'),
          room: { amenities: ['display'] },
        },
        alice,
      );
      expect(answer.unknownAttendees).toEqual([]);
      expect(answer.roomsConsidered).toEqual([rooms.spree, rooms.havel]);
    }, 60_000);
  });

  afterAll(async () => {
    meetings?.close();
    scheduling?.close();
    bookings?.close();
    await service?.close();
    await producer?.disconnect();
    await feeds?.delete();
    await database?.drop();
  });

  it('schedules a meeting with a room as hold, meeting, confirmation; a repeated command books nothing twice', async () => {
    const start = local(0, '10:00');
    const request = {
      title: 'Kick-off',
      attendees: [{ userId: people.bob }],
      roomId: rooms.spree,
      start,
      end: plus(start, 60),
      timeZone: 'Europe/Berlin',
    };
    const command = { ...alice, 'x-roomledger-command-id': randomUUID() };
    const reply = await meetings.call<Json>('ScheduleMeeting', request, command);
    const meeting = reply.meeting;
    expect(meeting).toMatchObject({
      title: 'Kick-off',
      organizerId: people.alice,
      status: 'scheduled',
      version: '1',
      sequence: '0',
      room: { roomId: rooms.spree },
      start,
    });
    expect(meeting.attendees.map((a: Json) => [a.userId, a.response])).toEqual([
      [people.alice, 'accepted'],
      [people.bob, 'needs-action'],
    ]);
    expect(reply.room).toMatchObject({ booked: 1, skipped: [] });
    const bookingId = meeting.room.bookingId;
    await eventually(async () => {
      const booking = await bookings.call<Json>('GetBooking', { bookingId }, alice);
      expect(booking).toMatchObject({
        status: 'confirmed',
        meetingId: meeting.id,
        roomId: rooms.spree,
        start,
      });
      const history = await bookings.call<Json>('GetBookingHistory', { bookingId }, alice);
      expect(history.entries.map((entry: Json) => entry.type)).toEqual(['held', 'confirmed']);
    });

    const again = await meetings.call<Json>('ScheduleMeeting', request, command);
    expect(again.meeting).toMatchObject({ id: meeting.id, version: '1', room: { bookingId } });
    const history = await bookings.call<Json>('GetBookingHistory', { bookingId }, alice);
    expect(history.entries).toHaveLength(2);

    // The slot is the room's now: someone else's meeting there hears slot_taken with alternatives.
    const taken = await failure(meetings.call('ScheduleMeeting', { ...request, title: 'Clash' }, carol));
    expect(taken.code).toBe(9);
    expect(taken.info?.code).toBe('slot_taken');
    expect(JSON.parse(taken.info!.metadata.alternatives).length).toBeGreaterThan(0);
  });

  it('collects answers; the organizer accepts a proposal and the room booking moves with the meeting', async () => {
    const start = local(1, '10:00');
    const { meeting } = await meetings.call<Json>(
      'ScheduleMeeting',
      {
        title: 'Design review',
        attendees: [{ userId: people.bob }, { userId: people.carol }],
        roomId: rooms.small,
        start,
        end: plus(start, 60),
        timeZone: 'Europe/Berlin',
      },
      alice,
    );
    const answered = await meetings.call<Json>(
      'RespondToInvitation',
      { meetingId: meeting.id, response: 'accepted', comment: 'Looking forward' },
      bob,
    );
    expect(answered.version).toBe('2');
    const proposal = { start: plus(start, 120), end: plus(start, 180) };
    await meetings.call(
      'RespondToInvitation',
      { meetingId: meeting.id, response: 'declined', proposal },
      carol,
    );
    const bobTries = await failure(
      meetings.call('AcceptProposal', { meetingId: meeting.id, attendeeUserId: people.carol }, bob),
    );
    expect(bobTries.info?.code).toBe('forbidden');
    const stale = await failure(
      meetings.call(
        'AcceptProposal',
        { meetingId: meeting.id, attendeeUserId: people.carol, expectedVersion: 2 },
        alice,
      ),
    );
    expect(stale).toMatchObject({ code: 10, info: { code: 'version_mismatch' } });

    const moved = await meetings.call<Json>(
      'AcceptProposal',
      { meetingId: meeting.id, attendeeUserId: people.carol, expectedVersion: 3 },
      alice,
    );
    expect(moved).toMatchObject({ start: proposal.start, end: proposal.end, sequence: '1', version: '4' });
    expect(Object.fromEntries(moved.attendees.map((a: Json) => [a.userId, a.response]))).toEqual({
      [people.alice]: 'accepted',
      [people.bob]: 'needs-action', // a new time asks again
      [people.carol]: 'accepted', // they asked for exactly this time
    });
    await eventually(async () => {
      const booking = await bookings.call<Json>('GetBooking', { bookingId: meeting.room.bookingId }, alice);
      expect(booking).toMatchObject({ status: 'confirmed', start: proposal.start, end: proposal.end });
    });

    const cancelled = await meetings.call<Json>(
      'CancelMeeting',
      { meetingId: meeting.id, message: 'Postponed until the spec is ready' },
      alice,
    );
    expect(cancelled.status).toBe('cancelled');
    await eventually(async () => {
      const after = await bookings.call<Json>('GetBooking', { bookingId: meeting.room.bookingId }, alice);
      expect(after).toMatchObject({ status: 'cancelled', cancelReason: 'meeting_cancelled' });
    });
    const late = await failure(
      meetings.call('RespondToInvitation', { meetingId: meeting.id, response: 'accepted' }, bob),
    );
    expect(late.info?.code).toBe('invalid_meeting_state');
  });

  it('books a 52-week series in one decision: all-or-nothing refuses one taken week, skip-conflicts skips it', async () => {
    const first = local(7, '14:00');
    const tenth = local(7 + 9 * 7, '14:00'); // the tenth Monday, at 14:00 Berlin whatever the season
    const conflict = await bookings.call<Json>(
      'BookDirectly',
      { roomId: rooms.series, start: plus(tenth, 30), end: plus(tenth, 90), title: 'Board meeting' },
      dave,
    );
    const series = (meetingId: string, onConflict: string) => ({
      meetingId,
      title: 'Weekly sync',
      attendees: [{ userId: people.bob }],
      roomId: rooms.series,
      start: first,
      end: plus(first, 60),
      timeZone: 'Europe/Berlin',
      recurrence: { rule: { frequency: 'weekly', count: 52 } },
      onConflict,
    });
    const refusedId = randomUUID();
    const refused = await failure(
      meetings.call('ScheduleMeeting', series(refusedId, 'all-or-nothing'), alice),
    );
    expect(refused).toMatchObject({ code: 9, info: { code: 'slot_taken' } });
    const occurrences = JSON.parse(refused.info!.metadata.occurrences) as Json[];
    expect(occurrences.map((o) => o.start)).toEqual([tenth]);
    expect((await failure(meetings.call('GetMeeting', { meetingId: refusedId }, alice))).info?.code).toBe(
      'not_found',
    );

    const started = Date.now();
    const reply = await meetings.call<Json>('ScheduleMeeting', series(randomUUID(), 'skip-conflicts'), alice);
    const tookMs = Date.now() - started;
    expect(reply.room.booked).toBe(51);
    expect(reply.room.skipped).toHaveLength(1);
    expect(reply.room.skipped[0]).toMatchObject({ start: tenth, reason: 'slot_taken' });
    expect(reply.room.skipped[0].alternatives.length).toBeGreaterThan(0);
    expect(reply.meeting.recurrence.rrule).toBe('FREQ=WEEKLY;COUNT=52');
    await eventually(async () => {
      const yearOfRoom = await bookings.call<Json>(
        'ListBookings',
        { roomId: rooms.series, from: first, to: plus(first, 60 * 24 * 7 * 53), limit: 200 },
        alice,
      );
      expect(yearOfRoom.items.filter((b: Json) => b.meetingId === reply.meeting.id)).toHaveLength(51);
      expect(yearOfRoom.items.map((b: Json) => b.id)).toContain(conflict.id);
    });
    expect(tookMs).toBeLessThan(10_000); // one decision; the benchmark measures it properly

    // Cancelling the series frees every occurrence.
    await meetings.call('CancelMeeting', { meetingId: reply.meeting.id }, alice);
    await eventually(async () => {
      const left = await bookings.call<Json>(
        'ListBookings',
        { roomId: rooms.series, from: first, to: plus(first, 60 * 24 * 7 * 53), limit: 200 },
        alice,
      );
      expect(left.items.map((b: Json) => b.id)).toEqual([conflict.id]);
    });
  });

  it('splits a series with a `following` edit: earlier answers stay, the new series carries them over', async () => {
    const first = local(14, '09:30');
    const { meeting } = await meetings.call<Json>(
      'ScheduleMeeting',
      {
        title: 'Retro',
        attendees: [{ userId: people.bob }, { userId: people.carol }],
        roomId: rooms.havel,
        start: first,
        end: plus(first, 45),
        timeZone: 'Europe/Berlin',
        recurrence: { rule: { frequency: 'weekly', count: 10 } },
      },
      alice,
    );
    expect(meeting.room.roomId).toBe(rooms.havel);
    await meetings.call('RespondToInvitation', { meetingId: meeting.id, response: 'accepted' }, bob);
    const second = local(21, '09:30');
    await meetings.call(
      'RespondToInvitation',
      { meetingId: meeting.id, response: 'declined', occurrenceStart: second },
      carol,
    );
    const fifth = local(14 + 4 * 7, '09:30');
    const split = await meetings.call<Json>(
      'UpdateMeeting',
      {
        meetingId: meeting.id,
        scope: 'following',
        occurrenceStart: fifth,
        changes: { title: 'Retro (new format)' },
      },
      alice,
    );
    const original = split.meeting;
    expect(Date.parse(original.recurrence.rule.until)).toBe(Date.parse(fifth) - 1_000);
    expect(original.title).toBe('Retro');
    expect(original.attendees.find((a: Json) => a.userId === people.bob).response).toBe('accepted');
    expect(original.overrides).toEqual([
      expect.objectContaining({
        originalStart: second,
        answers: [expect.objectContaining({ userId: people.carol, response: 'declined' })],
      }),
    ]);
    const continuation = split.continuation;
    expect(continuation).toMatchObject({
      title: 'Retro (new format)',
      start: fifth,
      splitFrom: { meetingId: meeting.id, originalStart: fifth },
      recurrence: { rule: { count: 6 } },
      room: meeting.room, // same room, same bookings: the time did not change
    });
    expect(continuation.attendees.find((a: Json) => a.userId === people.bob).response).toBe('accepted');
    const read = await meetings.call<Json>('GetMeeting', { meetingId: continuation.id }, bob);
    expect(read.id).toBe(continuation.id);

    await eventually(async () => {
      const mine = await meetings.call<Json>(
        'ListMyMeetings',
        { from: first, to: plus(first, 60 * 24 * 7 * 10) },
        bob,
      );
      const retros = mine.items.filter((o: Json) => o.title.startsWith('Retro'));
      expect(retros).toHaveLength(10);
      expect(retros.filter((o: Json) => o.meetingId === continuation.id)).toHaveLength(6);
      const carolsView = await meetings.call<Json>(
        'ListMyMeetings',
        { from: first, to: plus(first, 60 * 24 * 7 * 10), includeDeclined: true },
        carol,
      );
      expect(carolsView.items.find((o: Json) => o.originalStart === second)?.response).toBe('declined');
    });

    // Both series share the room's series id; cancelling the new one frees only its own weeks.
    await meetings.call('CancelMeeting', { meetingId: continuation.id }, alice);
    await eventually(async () => {
      const left = await bookings.call<Json>(
        'ListBookings',
        { roomId: rooms.havel, from: first, to: plus(first, 60 * 24 * 7 * 10) },
        alice,
      );
      expect(left.items.map((b: Json) => b.start)).toEqual(
        [0, 1, 2, 3].map((week) => local(14 + 7 * week, '09:30')),
      );
    });
  });

  it('starts the continuation of a `following` edit that stopped after its split (a crash between the two)', async () => {
    const first = local(15, '14:00');
    const { meeting } = await meetings.call<Json>(
      'ScheduleMeeting',
      {
        title: 'Planning',
        attendees: [{ userId: people.bob }],
        start: first,
        end: plus(first, 30),
        timeZone: 'Europe/Berlin',
        recurrence: { rule: { frequency: 'weekly', count: 6 } },
      },
      alice,
    );
    // What an edit that crashed after its first append leaves: the split, and no continuation.
    const store = await PostgresEventStore.create({
      connectionString: database.url,
      schema: service.config.EVENT_STORE_SCHEMA,
    });
    const continuationId = randomUUID();
    try {
      const split = await new MeetingHandler(store).handle(meeting.id, {
        type: 'UpdateMeeting',
        data: {
          meetingId: meeting.id,
          scope: 'following',
          occurrenceStart: local(15 + 3 * 7, '14:00'),
          newMeetingId: continuationId,
          changes: { title: 'Planning (later weeks)' },
        },
        metadata: {
          commandId: randomUUID(),
          actor: { userId: people.alice, roles: ['member'] },
          now: new Date().toISOString(),
        },
      });
      expect(split.events.map((event) => event.type)).toEqual(['SeriesSplit']);
    } finally {
      await store.close();
    }

    const continuation = await eventually(
      () => meetings.call<Json>('GetMeeting', { meetingId: continuationId }, alice),
      10_000,
    );
    expect(continuation).toMatchObject({
      title: 'Planning (later weeks)',
      start: local(15 + 3 * 7, '14:00'),
      splitFrom: { meetingId: meeting.id },
      recurrence: { rule: { count: 3 } },
    });
    const original = await meetings.call<Json>('GetMeeting', { meetingId: meeting.id }, alice);
    expect(Date.parse(original.recurrence.rule.until)).toBe(Date.parse(local(15 + 3 * 7, '14:00')) - 1_000);
  });

  it('moves a whole series with its room: the occurrences are booked again at the new time, the old ones freed', async () => {
    const first = local(35, '08:00');
    const { meeting } = await meetings.call<Json>(
      'ScheduleMeeting',
      {
        title: 'Standup',
        attendees: [{ userId: people.carol }],
        roomId: rooms.other,
        start: first,
        end: plus(first, 15),
        timeZone: 'Europe/Berlin',
        recurrence: { rule: { frequency: 'daily', count: 5 } },
      },
      alice,
    );
    const later = local(35, '08:30');
    const reply = await meetings.call<Json>(
      'UpdateMeeting',
      { meetingId: meeting.id, changes: { start: later, end: plus(later, 15) }, expectedVersion: 1 },
      alice,
    );
    expect(reply.room.booked).toBe(5);
    expect(reply.meeting).toMatchObject({ start: later, sequence: '1', room: { roomId: rooms.other } });
    expect(reply.meeting.room.bookingId).not.toBe(meeting.room.bookingId);
    await eventually(async () => {
      const week = await bookings.call<Json>(
        'ListBookings',
        { roomId: rooms.other, from: first, to: plus(first, 60 * 24 * 6) },
        alice,
      );
      expect(week.items.filter((b: Json) => b.meetingId === meeting.id).map((b: Json) => b.start)).toEqual(
        [0, 1, 2, 3, 4].map((day) => local(35 + day, '08:30')),
      );
    });
    // Someone takes Thursday 09:00; moving the series there refuses the whole change and keeps it as it was.
    await bookings.call(
      'BookDirectly',
      { roomId: rooms.other, start: local(38, '09:00'), end: local(38, '10:00'), title: 'Interview' },
      dave,
    );
    const nine = local(35, '09:00');
    const refused = await failure(
      meetings.call(
        'UpdateMeeting',
        { meetingId: meeting.id, changes: { start: nine, end: plus(nine, 15) } },
        alice,
      ),
    );
    expect(refused.info?.code).toBe('slot_taken');
    const unchanged = await meetings.call<Json>('GetMeeting', { meetingId: meeting.id }, alice);
    expect(unchanged).toMatchObject({ start: later, version: '2' });
    const week = await bookings.call<Json>(
      'ListBookings',
      { roomId: rooms.other, from: first, to: plus(first, 60 * 24 * 6) },
      alice,
    );
    expect(week.items.filter((b: Json) => b.meetingId === meeting.id)).toHaveLength(5);
  });

  it('shows free/busy of others with private meetings as busy only, and attendee conflicts when scheduling', async () => {
    const start = local(2, '13:00');
    const secret = await meetings.call<Json>(
      'ScheduleMeeting',
      {
        title: 'Salary review',
        attendees: [{ userId: people.dave }],
        start,
        end: plus(start, 60),
        timeZone: 'Europe/Berlin',
        visibility: 'private',
      },
      carol,
    );
    await meetings.call(
      'ScheduleMeeting',
      {
        title: 'Open office hour',
        attendees: [],
        start: plus(start, 60),
        end: plus(start, 90),
        timeZone: 'Europe/Berlin',
      },
      carol,
    );
    const window = { userIds: [people.carol], from: local(2, '00:00'), to: local(3, '00:00') };
    await eventually(async () => {
      const seenByAlice = await meetings.call<Json>('GetFreeBusy', window, alice);
      const [carolsDay] = seenByAlice.users;
      expect(carolsDay.timeZone).toBe('Europe/Berlin');
      expect(carolsDay.busy).toEqual([{ start, end: plus(start, 90) }]);
      expect(carolsDay.entries).toEqual([
        { start, end: plus(start, 60), busyOnly: true, meetingId: '', title: '', response: 'accepted' },
        expect.objectContaining({ busyOnly: false, title: 'Open office hour', response: 'accepted' }),
      ]);
    });
    const seenByDave = await meetings.call<Json>('GetFreeBusy', window, dave);
    expect(seenByDave.users[0].entries[0]).toMatchObject({ busyOnly: false, title: 'Salary review' });
    expect(
      (await failure(meetings.call('GetMeeting', { meetingId: secret.meeting.id }, alice))).info?.code,
    ).toBe('not_found');

    // Scheduling over Carol's busy hour reports it (without a title), or refuses it when strict.
    const overlapping = {
      title: 'Planning',
      attendees: [{ userId: people.carol }],
      start: plus(start, 30),
      end: plus(start, 75),
      timeZone: 'Europe/Berlin',
    };
    const strict = await failure(meetings.call('ScheduleMeeting', { ...overlapping, strict: true }, alice));
    expect(strict).toMatchObject({ code: 9, info: { code: 'attendees_busy' } });
    expect(JSON.parse(strict.info!.metadata.attendees)).toEqual([
      { userId: people.carol, busy: [{ start, end: plus(start, 90) }] },
    ]);
    const lenient = await meetings.call<Json>('ScheduleMeeting', overlapping, alice);
    expect(lenient.attendeeConflicts).toEqual([
      { userId: people.carol, busy: [{ start, end: plus(start, 90) }] },
    ]);
  });

  it('finds times over the real read models: working hours in each zone, busy calendars, matching rooms', async () => {
    const day = 3;
    // Alice works 09-17 Berlin, Bob 09-17 New York: they overlap for a few hours in UTC.
    const overlapStart = [local(day, '09:00'), local(day, '09:00', 'America/New_York')].sort().at(-1)!;
    const overlapEnd = [local(day, '17:00'), local(day, '17:00', 'America/New_York')].sort()[0];
    await meetings.call(
      'ScheduleMeeting',
      {
        title: 'Sync',
        attendees: [{ userId: people.bob }],
        start: overlapStart,
        end: plus(overlapStart, 60),
        timeZone: 'Europe/Berlin',
      },
      alice,
    );
    const query = {
      requiredAttendees: [people.bob],
      durationMinutes: 60,
      from: local(day, '00:00', 'UTC'),
      to: local(day + 1, '00:00', 'UTC'),
      maxCandidates: 50,
      room: { amenities: ['Display'], minCapacity: 2 },
    };
    await eventually(async () => {
      const answer = await scheduling.call<Json>('FindTimes', query, alice);
      expect(answer.reason).toBe('');
      expect(answer.candidates[0].start).toBe(plus(overlapStart, 60));
      for (const candidate of answer.candidates) {
        expect(Date.parse(candidate.start)).toBeGreaterThanOrEqual(Date.parse(plus(overlapStart, 60)));
        expect(Date.parse(candidate.end)).toBeLessThanOrEqual(Date.parse(overlapEnd));
        expect(candidate.attendees.map((a: Json) => a.availability)).toEqual(['free', 'free']);
        expect(candidate.roomIds.length).toBeGreaterThan(0);
        expect(candidate.roomIds.every((id: string) => id === rooms.spree || id === rooms.havel)).toBe(true);
      }
    });
    const busyAllDay = await scheduling.call<Json>(
      'FindTimes',
      { ...query, from: overlapStart, to: plus(overlapStart, 60), room: null },
      alice,
    );
    expect(busyAllDay).toMatchObject({ candidates: [], reason: 'attendees_unavailable' });
    const stranger = randomUUID();
    const withStranger = await scheduling.call<Json>(
      'FindTimes',
      { ...query, optionalAttendees: [stranger], room: null },
      alice,
    );
    expect(withStranger.unknownAttendees).toEqual([stranger]);
  });

  it("serves a user's iCalendar feed behind a rotatable token; ical.js reads RRULE, EXDATE and the moved occurrence", async () => {
    const first = local(28, '11:00');
    const { meeting } = await meetings.call<Json>(
      'ScheduleMeeting',
      {
        title: 'Architecture circle',
        description: 'Bring diagrams',
        attendees: [{ userId: people.bob }, { email: 'Guest@Example.com', optional: true }],
        roomId: rooms.spree,
        start: first,
        end: plus(first, 60),
        timeZone: 'Europe/Berlin',
        recurrence: { rule: { frequency: 'weekly', count: 6 } },
      },
      alice,
    );
    const third = local(28 + 14, '11:00');
    const fourth = local(28 + 21, '11:00');
    await meetings.call(
      'CancelMeeting',
      { meetingId: meeting.id, scope: 'this', occurrenceStart: third },
      alice,
    );
    const movedTo = plus(fourth, 60);
    const moved = await meetings.call<Json>(
      'UpdateMeeting',
      {
        meetingId: meeting.id,
        scope: 'this',
        occurrenceStart: fourth,
        changes: { start: movedTo, end: plus(movedTo, 60), title: 'Architecture circle (moved)' },
      },
      alice,
    );
    expect(moved.room.booked).toBe(1);
    await eventually(async () => {
      const fourthBooking = await bookings.call<Json>(
        'ListBookings',
        { roomId: rooms.spree, from: fourth, to: plus(fourth, 180) },
        alice,
      );
      expect(fourthBooking.items.map((b: Json) => b.start)).toEqual([movedTo]);
    });

    const { token, path } = await meetings.call<Json>(
      'GetCalendarFeedToken',
      { kind: 'user', id: people.alice },
      alice,
    );
    expect(path).toBe(`/v1/calendars/users/${people.alice}.ics?token=${token}`);
    const forbidden = await failure(
      meetings.call('GetCalendarFeedToken', { kind: 'user', id: people.alice }, bob),
    );
    expect(forbidden.info?.code).toBe('forbidden');
    const ics = await eventually(async () => {
      const feed = await meetings.call<Json>('GetCalendarFeed', { kind: 'user', id: people.alice, token });
      expect(feed.contentType).toBe('text/calendar; charset=utf-8');
      expect(feed.body).toContain('SUMMARY:Architecture circle (moved)');
      return feed.body as string;
    });

    const calendar = new ICAL.Component(ICAL.parse(ics));
    const events = calendar
      .getAllSubcomponents('vevent')
      .filter((event) => event.getFirstPropertyValue('uid') === `${meeting.id}@roomledger`);
    const master = events.find((event) => !event.hasProperty('recurrence-id'))!;
    const exception = events.find((event) => event.hasProperty('recurrence-id'))!;
    expect(master.getFirstPropertyValue('rrule')?.toString()).toBe('FREQ=WEEKLY;COUNT=6');
    expect(master.getFirstProperty('dtstart')?.getParameter('tzid')).toBe('Europe/Berlin');
    expect(master.getFirstPropertyValue('summary')).toBe('Architecture circle');
    const exdates = master.getAllProperties('exdate').flatMap((p) => p.getValues() as ICAL.Time[]);
    expect(exdates.map((t) => t.toJSDate().toISOString())).toEqual([new Date(third).toISOString()]);
    expect((exception.getFirstPropertyValue('recurrence-id') as ICAL.Time).toJSDate().toISOString()).toBe(
      new Date(fourth).toISOString(),
    );
    expect(exception.getFirstPropertyValue('summary')).toBe('Architecture circle (moved)');
    const attendees = master.getAllProperties('attendee').map((p) => String(p.getFirstValue()).toLowerCase());
    expect(attendees).toContain('mailto:guest@example.com');

    // Another implementation of RFC 5545 expands the series exactly as the service does.
    const series = new ICAL.Event(master);
    series.relateException(new ICAL.Event(exception));
    const iterator = series.iterator();
    const starts: string[] = [];
    for (let next = iterator.next(); next; next = iterator.next()) {
      starts.push(series.getOccurrenceDetails(next).startDate.toJSDate().toISOString());
    }
    const expected = [0, 1, 3, 4, 5]
      .map((week) => (week === 3 ? movedTo : local(28 + week * 7, '11:00')))
      .map((at) => new Date(at).toISOString());
    expect(starts).toEqual(expected);

    // A wrong token and the old one after rotation find nothing; the new one works.
    expect(
      (
        await failure(
          meetings.call('GetCalendarFeed', { kind: 'user', id: people.alice, token: `${token}x` }),
        )
      ).info?.code,
    ).toBe('not_found');
    const rotated = await meetings.call<Json>(
      'RotateCalendarFeedToken',
      { kind: 'user', id: people.alice },
      alice,
    );
    expect(rotated.token).not.toBe(token);
    expect(
      (await failure(meetings.call('GetCalendarFeed', { kind: 'user', id: people.alice, token }))).info?.code,
    ).toBe('not_found');
    const roomFeed = await meetings.call<Json>(
      'GetCalendarFeedToken',
      { kind: 'room', id: rooms.spree },
      bob,
    );
    const roomIcs = await meetings.call<Json>('GetCalendarFeed', {
      kind: 'room',
      id: rooms.spree,
      token: roomFeed.token,
    });
    const roomEvents = new ICAL.Component(ICAL.parse(roomIcs.body)).getAllSubcomponents('vevent');
    expect(roomEvents.map((event) => event.getFirstPropertyValue('summary'))).toContain('Kick-off');
  });

  it('books later occurrences of a series when the room window reaches them; what is taken is reported', async () => {
    const first = local(0, '16:00');
    const { meeting, room } = await meetings.call<Json>(
      'ScheduleMeeting',
      {
        title: 'Office hours',
        attendees: [],
        roomId: rooms.windowed,
        start: first,
        end: plus(first, 30),
        timeZone: 'Europe/Berlin',
        recurrence: { rule: { frequency: 'weekly', count: 6 } },
      },
      alice,
    );
    // Only what the 10-day window allows today.
    expect(room.booked).toBeGreaterThanOrEqual(1);
    expect(room.booked).toBeLessThan(6);
    const fifth = local(28, '16:00');
    const admin = { 'x-roomledger-user-id': 'facilities', 'x-roomledger-roles': 'admin' };
    await bookings.call(
      'BlockForMaintenance',
      { roomId: rooms.windowed, start: fifth, end: plus(fifth, 30) },
      admin,
    );
    // The window opens (as it would by moving forward day by day): the series job books the rest.
    await producer.send({
      topic: feeds.topic('room.events.v1'),
      messages: [roomEvent(rooms.windowed, { capacity: 6, bookingWindowDays: null, version: 2 })],
    });
    await eventually(async () => {
      const booked = await bookings.call<Json>(
        'ListBookings',
        { roomId: rooms.windowed, from: first, to: plus(first, 60 * 24 * 7 * 6) },
        alice,
      );
      const starts = booked.items.filter((b: Json) => b.meetingId === meeting.id).map((b: Json) => b.start);
      expect(starts).toEqual([0, 7, 14, 21, 35].map((days) => local(days, '16:00')));
    }, 30_000);
  });

  it('publishes meeting.events.v1: every event type, keyed by meeting, valid against its schema', async () => {
    const consumer: Consumer = kafka.consumer({ groupId: uniqueGroupId('meeting-feed') });
    const seen: { type: string; key: string; source: string; subject: string; value: Json }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: feeds.topic('meeting.events.v1'), fromBeginning: true });
    const joined = waitForGroupJoin(consumer);
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = message.headers ?? {};
        seen.push({
          type: String(headers.ce_type),
          source: String(headers.ce_source),
          subject: String(headers.ce_subject),
          key: message.key!.toString(),
          value: JSON.parse(message.value!.toString()) as Json,
        });
      },
    });
    await joined;
    try {
      await eventually(() => {
        const types = new Set(seen.map((message) => message.type));
        const conflicted = seen.filter((m) => m.type === 'roomledger.meeting.occurrence-conflicted.v1');
        // No order across meetings (keys): the 52-week series' taken week and the series job's maintenance week.
        expect(conflicted.map((m) => m.value.occurrences[0].reason).sort()).toEqual([
          'policy_violation',
          'slot_taken',
        ]);
        for (const name of [
          'scheduled',
          'updated',
          'cancelled',
          'invitation-responded',
          'series-split',
          'occurrence-conflicted',
        ])
          expect(types).toContain(`roomledger.meeting.${name}.v1`);
      }, 30_000);
      for (const message of seen) {
        expect(message.key).toBe(message.value.meetingId);
        expect(message.subject).toBe(message.value.meetingId);
        expect(message.source).toBe('/roomledger/booking');
        const name = message.type.replace('roomledger.meeting.', '').replace('.v1', '') as MeetingEventType;
        expect({ name, result: validateEventPayload('meeting.events.v1', name, message.value) }).toEqual({
          name,
          result: { valid: true },
        });
      }
    } finally {
      await consumer.disconnect();
    }
  });
});

/** A room as the room service publishes it; with a `version`, a later policy change of it. */
function roomEvent(
  roomId: string,
  options: {
    capacity: number;
    amenities?: string[];
    building?: string;
    bookingWindowDays?: number | null;
    version?: number;
  },
) {
  return roomRegisteredMessage(
    roomId,
    {
      capacity: options.capacity,
      amenities: options.amenities ?? [],
      ...(options.building ? { building: options.building } : {}),
      ...(options.version ? { version: options.version } : {}),
      policy: { bookingWindowDays: options.bookingWindowDays ?? null },
    },
    options.version ? 'roomledger.room.policy-changed.v1' : 'roomledger.room.registered.v1',
  );
}

function userEvent(userId: string, name: string, timeZone: string, workingHours: object[]) {
  return {
    key: userId,
    headers: {
      ce_specversion: '1.0',
      ce_id: randomUUID(),
      ce_type: 'roomledger.user.registered.v1',
      ce_source: '/roomledger/user',
      ce_time: new Date().toISOString(),
      ce_subject: userId,
      'content-type': 'application/json',
    },
    value: JSON.stringify({
      userId,
      version: 1,
      occurredAt: new Date().toISOString(),
      email: `${name.toLowerCase()}@example.org`,
      name,
      timeZone,
      workingHours,
      roles: ['member'],
      preferences: { channels: ['email'], reminderOffsetsMinutes: [10] },
      deactivated: false,
    }),
  };
}
