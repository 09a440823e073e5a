import { randomUUID } from 'node:crypto';
import {
  createFeedTopics,
  eventually,
  mailbox,
  startSystem,
  testStack,
  type FeedTopics,
  type RunningSystem,
} from '@roomledger/testing';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import ICAL from 'ical.js';
import { Kafka, logLevel } from 'kafkajs';

interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
}

/**
 * Checks each successful JSON reply against the response schema the gateway's OpenAPI document gives for
 * its operation, as a contract tester (schemathesis) would.
 */
class DocumentedReplies {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly templates: { method: string; path: string; pattern: RegExp }[];
  /** How many replies were checked against a schema. */
  checked = 0;

  constructor(private readonly document: OpenApiDocument) {
    this.ajv.addSchema({ ...document, $id: 'openapi' });
    // Literal paths before templated ones (`/v1/users/free-busy` before `/v1/users/{userId}`).
    const literalFirst = Object.entries(document.paths).sort(
      ([a], [b]) => a.split('{').length - b.split('{').length,
    );
    this.templates = literalFirst.flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({
        method,
        path,
        pattern: new RegExp(`^${path.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`),
      })),
    );
  }

  check(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
    const path = url.split('?')[0];
    const found = this.templates.find(
      (template) => template.method === method.toLowerCase() && template.pattern.test(path),
    );
    expect(found).toBeDefined();
    const response = this.document.paths[found!.path][found!.method].responses[String(status)];
    expect(response).toBeDefined();
    if (!contentType?.includes('json')) {
      // Only the calendar feeds answer otherwise: the document gives their media type, text.
      const mediaType = contentType?.split(';')[0].trim() ?? '';
      expect(response.content?.[mediaType]).toMatchObject({ schema: { type: 'string' } });
      return;
    }
    const pointer = (part: string) => encodeURIComponent(part.replace(/~/g, '~0').replace(/\//g, '~1'));
    const ref = `openapi#/paths/${pointer(found!.path)}/${found!.method}/responses/${status}/content/${pointer(
      'application/json',
    )}/schema`;
    const validate = this.ajv.getSchema(ref);
    expect(validate).toBeDefined();
    const valid = validate!(body);
    this.checked += 1;
    expect(valid ? [] : validate!.errors).toEqual([]);
  }
}

let documented: DocumentedReplies | undefined;

/** One person using the public API over HTTP; successful replies are checked against the document. */
class ApiClient {
  token?: string;

  constructor(private readonly baseUrl: string) {}

  async send<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    const json =
      response.headers.get('content-type')?.includes('json') && text ? (JSON.parse(text) as T) : ({} as T);
    if (documented && response.status < 300) {
      documented.check(method, path, response.status, response.headers.get('content-type'), json);
    }
    return { status: response.status, headers: response.headers, body: json, text };
  }

  async signIn(email: string, password: string): Promise<void> {
    const login = await this.send<{ accessToken: string }>('POST', '/v1/auth/login', { email, password });
    expect(login.status).toBe(200);
    this.token = login.body.accessToken;
  }
}

interface Meeting {
  id: string;
  organizerId: string;
  start: string;
  end: string;
  version: number;
  room?: { roomId: string; bookingId?: string };
  attendees: {
    userId?: string;
    response: string;
    comment?: string;
    proposal?: { start: string; end: string };
  }[];
}

describe('Meetings through the public API: schedule, answer, move, find time, subscribe', () => {
  let system: RunningSystem;
  let feeds: FeedTopics;
  let kafka: Kafka;
  let adminApi: ApiClient;
  const people: Record<'olga' | 'bea' | 'carl', { api: ApiClient; id: string }> = {} as never;
  let roomId: string;
  let meetingId: string;
  const runId = randomUUID().slice(0, 8);
  const password = 'correct-horse-battery-staple';
  // Ten days ahead (UTC midnight): inside the room feed's horizon, clear of today's clock.
  const base = new Date();
  const at = (offsetDays: number, hour: number, minute = 0) =>
    new Date(
      Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate() + 10 + offsetDays, hour, minute),
    )
      .toISOString()
      .replace('.000Z', 'Z');
  const query = (values: Record<string, string>) => new URLSearchParams(values).toString();

  beforeAll(async () => {
    kafka = new Kafka({
      clientId: 'e2e-meetings',
      brokers: testStack.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    feeds = await createFeedTopics(kafka, {
      'room.events.v1': 'ROOM_EVENTS_TOPIC',
      'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
      'meeting.events.v1': 'MEETING_EVENTS_TOPIC',
    });
    system = await startSystem({ env: { ...feeds.env, RATE_LIMIT_IP_AUTH: '500' } });
    documented = new DocumentedReplies(
      (await (await fetch(`${system.gatewayUrl}/docs-json`)).json()) as OpenApiDocument,
    );

    adminApi = new ApiClient(system.gatewayUrl);
    await adminApi.signIn('admin@roomledger.local', 'change-me-admin-password');
    for (const name of ['olga', 'bea', 'carl'] as const) {
      const api = new ApiClient(system.gatewayUrl);
      const email = `${name}-${runId}@example.com`;
      const registered = await api.send<{ id: string }>('POST', '/v1/auth/register', {
        email,
        name,
        password,
        timeZone: 'UTC',
      });
      expect(registered.status).toBe(201);
      await api.signIn(email, password);
      people[name] = { api, id: registered.body.id };
    }
    const room = await adminApi.send<{ id: string }>('POST', '/v1/rooms', {
      name: `meet-${runId}`,
      capacity: 6,
      timeZone: 'Europe/Berlin',
      building: `e2e-meet-${runId}`,
      amenities: ['projector'],
    });
    expect(room.status).toBe(201);
    roomId = room.body.id;
    // The booking service learns rooms from room.events.v1: a new room is bookable a moment later.
    await eventually(async () => {
      const known = await adminApi.send(
        'GET',
        `/v1/rooms/${roomId}/availability?${query({ from: at(0, 0), to: at(0, 1) })}`,
      );
      if (known.status !== 200) throw new Error(`room ${roomId} not bookable yet: ${known.status}`);
    }, 20_000);
  }, 240_000);

  afterAll(async () => {
    // Stop the system first: an assertion failing here must not leave five processes running.
    const checked = documented?.checked ?? 0;
    documented = undefined;
    await system?.stop();
    await feeds?.delete();
    // Every JSON reply above was held against its documented schema (a guard against a silent no-op).
    expect(checked).toBeGreaterThanOrEqual(25);
  });

  it('schedules a meeting with a room and two attendees: 201, Location, the version as ETag', async () => {
    const scheduled = await people.olga.api.send<{
      meeting: Meeting;
      attendeeConflicts: unknown[];
      room?: { booked: number };
    }>('POST', '/v1/meetings', {
      title: 'Roadmap',
      description: 'Q2 planning',
      attendees: [{ userId: people.bea.id }, { userId: people.carl.id, optional: true }],
      roomId,
      start: at(1, 9),
      end: at(1, 10),
      timeZone: 'Europe/Berlin',
      reminderMinutes: [10],
    });
    expect(scheduled.status).toBe(201);
    const { meeting } = scheduled.body;
    meetingId = meeting.id;
    expect(scheduled.headers.get('location')).toBe(`/v1/meetings/${meetingId}`);
    expect(scheduled.headers.get('etag')).toBe(`"${meeting.version}"`);
    expect(meeting).toMatchObject({
      organizerId: people.olga.id,
      start: at(1, 9),
      end: at(1, 10),
      room: { roomId, bookingId: expect.any(String) },
    });
    expect(meeting.attendees.map((attendee) => [attendee.userId, attendee.response])).toEqual([
      [people.olga.id, 'accepted'],
      [people.bea.id, 'needs-action'],
      [people.carl.id, 'needs-action'],
    ]);
    expect(scheduled.body.room?.booked).toBe(1);

    const read = await people.bea.api.send<Meeting>('GET', `/v1/meetings/${meetingId}`);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(meetingId);
    expect(read.headers.get('etag')).toBe(`"${read.body.version}"`);
  });

  it('an attendee answers tentative with another time; the organizer takes it and the meeting moves', async () => {
    const answered = await people.bea.api.send<Meeting>('POST', `/v1/meetings/${meetingId}/responses`, {
      response: 'tentative',
      comment: 'Later would suit me',
      proposal: { start: at(1, 13), end: at(1, 14) },
    });
    expect(answered.status).toBe(200);
    expect(answered.body.attendees.find((attendee) => attendee.userId === people.bea.id)).toMatchObject({
      response: 'tentative',
      comment: 'Later would suit me',
      proposal: { start: at(1, 13), end: at(1, 14) },
    });

    // Only the organizer (or an admin) may take a proposal.
    const refused = await people.carl.api.send('POST', `/v1/meetings/${meetingId}/proposals/accept`, {
      attendeeUserId: people.bea.id,
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'forbidden' });

    const accepted = await people.olga.api.send<Meeting>(
      'POST',
      `/v1/meetings/${meetingId}/proposals/accept`,
      {
        attendeeUserId: people.bea.id,
      },
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ start: at(1, 13), end: at(1, 14) });
    expect(accepted.headers.get('etag')).toBe(`"${accepted.body.version}"`);
    // The room booking moved with it (bookings are read from the booking service's read model).
    await eventually(async () => {
      const booking = await people.olga.api.send<{ start: string; end: string; meetingId?: string }>(
        'GET',
        `/v1/bookings/${accepted.body.room!.bookingId}`,
      );
      expect(booking.body).toMatchObject({ start: at(1, 13), end: at(1, 14), meetingId });
    }, 20_000);
  });

  it('lists it among my meetings and shows the attendee busy at the new time', async () => {
    await eventually(async () => {
      const mine = await people.olga.api.send<{
        items: { meetingId: string; start: string }[];
        nextCursor: null;
      }>('GET', `/v1/users/me/meetings?${query({ from: at(0, 0), to: at(7, 0), limit: '10' })}`);
      expect(mine.status).toBe(200);
      expect(mine.body.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ meetingId, start: at(1, 13) })]),
      );
      expect(mine.body.nextCursor).toBeNull();
    }, 20_000);

    await eventually(async () => {
      const busy = await people.olga.api.send<{
        users: {
          userId: string;
          busy: { start: string; end: string }[];
          entries: { meetingId?: string }[];
        }[];
      }>(
        'GET',
        `/v1/users/free-busy?${query({ users: `${people.bea.id},${people.carl.id}`, from: at(1, 0), to: at(2, 0) })}`,
      );
      expect(busy.status).toBe(200);
      const bea = busy.body.users.find((user) => user.userId === people.bea.id);
      expect(bea?.busy).toEqual([{ start: at(1, 13), end: at(1, 14) }]);
      expect(bea?.entries).toEqual([expect.objectContaining({ meetingId })]);
    }, 20_000);

    const invalid = await people.olga.api.send(
      'GET',
      `/v1/users/free-busy?${query({ users: 'nobody', from: at(1, 0), to: at(2, 0) })}`,
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ code: 'validation_failed' });
  });

  it('finds times when the attendees and a room are free, avoiding the meeting', async () => {
    const found = await eventually(async () => {
      const reply = await people.olga.api.send<{
        candidates: { start: string; end: string; roomIds: string[] }[];
        roomsConsidered: string[];
      }>('POST', '/v1/scheduling/find-times', {
        requiredAttendees: [people.bea.id],
        durationMinutes: 60,
        from: at(1, 12),
        to: at(1, 16),
        stepMinutes: 60,
        maxCandidates: 10,
        room: { roomIds: [roomId] },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.roomsConsidered).toEqual([roomId]);
      expect(reply.body.candidates.length).toBeGreaterThan(0);
      return reply.body.candidates;
    }, 20_000);
    const starts = found.map((candidate) => candidate.start).sort();
    expect(starts).toEqual([at(1, 12), at(1, 14), at(1, 15)]);
    expect(found.every((candidate) => candidate.roomIds.includes(roomId))).toBe(true);
  });

  it("serves the organizer's calendar as iCalendar behind its token; without or with a wrong token nothing", async () => {
    const token = await people.olga.api.send<{ token: string; path: string }>(
      'GET',
      `/v1/calendars/users/${people.olga.id}/token`,
    );
    expect(token.status).toBe(200);
    expect(token.body.path).toBe(`/v1/calendars/users/${people.olga.id}.ics?token=${token.body.token}`);
    // Someone else's feed token is not theirs to read.
    const foreign = await people.bea.api.send('GET', `/v1/calendars/users/${people.olga.id}/token`);
    expect(foreign.status).toBe(403);

    const anonymous = new ApiClient(system.gatewayUrl);
    const ics = await eventually(async () => {
      const feed = await anonymous.send('GET', token.body.path);
      expect(feed.status).toBe(200);
      expect(feed.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
      expect(feed.text).toContain(`UID:${meetingId}@roomledger`);
      return feed.text;
    }, 20_000);
    const event = new ICAL.Component(ICAL.parse(ics))
      .getAllSubcomponents('vevent')
      .map((vevent) => new ICAL.Event(vevent))
      .find((candidate) => candidate.uid === `${meetingId}@roomledger`);
    expect(event?.summary).toBe('Roadmap');
    expect(event?.startDate.toJSDate().toISOString()).toBe(new Date(at(1, 13)).toISOString());
    expect(event?.endDate.toJSDate().toISOString()).toBe(new Date(at(1, 14)).toISOString());

    const missing = await anonymous.send('GET', `/v1/calendars/users/${people.olga.id}.ics`);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ code: 'unauthenticated' });
    const wrong = await anonymous.send(
      'GET',
      `/v1/calendars/users/${people.olga.id}.ics?token=not-the-token`,
    );
    expect(wrong.status).toBe(404);
    expect(wrong.body).toMatchObject({ code: 'not_found' });

    // A new token: the old URL stops working, the new one serves the feed.
    const rotated = await people.olga.api.send<{ token: string; path: string }>(
      'POST',
      `/v1/calendars/users/${people.olga.id}/token/rotate`,
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.token).not.toBe(token.body.token);
    expect((await anonymous.send('GET', token.body.path)).status).toBe(404);
    expect((await anonymous.send('GET', rotated.body.path)).status).toBe(200);
  });

  it("serves the room's calendar; rotating a room's token is for admins", async () => {
    const token = await people.bea.api.send<{ path: string }>('GET', `/v1/calendars/rooms/${roomId}/token`);
    expect(token.status).toBe(200);
    const ics = await eventually(async () => {
      const feed = await new ApiClient(system.gatewayUrl).send('GET', token.body.path);
      expect(feed.status).toBe(200);
      expect(feed.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
      expect(feed.text).toContain('Roadmap');
      return feed.text;
    }, 20_000);
    const starts = new ICAL.Component(ICAL.parse(ics))
      .getAllSubcomponents('vevent')
      .map((vevent) => new ICAL.Event(vevent).startDate.toJSDate().toISOString());
    expect(starts).toContain(new Date(at(1, 13)).toISOString());
    expect((await people.bea.api.send('POST', `/v1/calendars/rooms/${roomId}/token/rotate`)).status).toBe(
      403,
    );
    expect((await adminApi.send('POST', `/v1/calendars/rooms/${roomId}/token/rotate`)).status).toBe(200);
  });

  it('changes it under If-Match, then cancels it with a message: the room booking is cancelled too', async () => {
    const current = await people.olga.api.send<Meeting>('GET', `/v1/meetings/${meetingId}`);
    const etag = current.headers.get('etag')!;
    const changed = await people.olga.api.send<{ meeting: Meeting & { title: string } }>(
      'PATCH',
      `/v1/meetings/${meetingId}`,
      { title: 'Roadmap (final)' },
      { 'if-match': etag },
    );
    expect(changed.status).toBe(200);
    expect(changed.body.meeting.title).toBe('Roadmap (final)');
    expect(changed.headers.get('etag')).toBe(`"${changed.body.meeting.version}"`);
    const stale = await people.olga.api.send(
      'PATCH',
      `/v1/meetings/${meetingId}`,
      { title: 'Lost update' },
      { 'if-match': etag },
    );
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'version_mismatch' });

    const notTheirs = await people.bea.api.send('POST', `/v1/meetings/${meetingId}/cancel`, {});
    expect(notTheirs.status).toBe(403);
    const cancelled = await people.olga.api.send<Meeting & { status: string }>(
      'POST',
      `/v1/meetings/${meetingId}/cancel`,
      { message: 'Decided by e-mail' },
      { 'if-match': changed.headers.get('etag')! },
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await eventually(async () => {
      const booking = await people.olga.api.send<{ status: string }>(
        'GET',
        `/v1/bookings/${cancelled.body.room!.bookingId}`,
      );
      expect(booking.body.status).toBe('cancelled');
    }, 20_000);
  });

  it("mails the optional attendee the invitation, each change and the cancellation, as one calendar entry's iTIP messages", async () => {
    // Scheduled, moved to Bea's proposal, retitled, cancelled: four messages about one UID, in SEQUENCE order.
    const address = `carl-${runId}@example.com`;
    const mails = await mailbox.waitFor(address, 4, 60_000);
    const messages = await Promise.all(
      mails.map(async (mail) => {
        const calendar = new ICAL.Component(ICAL.parse(await mailbox.attachment(mail, 'invite.ics')));
        const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent')!);
        return { subject: mail.subject, method: calendar.getFirstPropertyValue('method'), event };
      }),
    );
    expect(new Set(messages.map(({ event }) => event.uid))).toEqual(new Set([`${meetingId}@roomledger`]));
    const bySequence = [...messages].sort((a, b) => a.event.sequence - b.event.sequence);
    expect(new Set(bySequence.map(({ event }) => event.sequence)).size).toBe(messages.length);
    expect(bySequence.map(({ method }) => method)).toEqual([
      ...bySequence.slice(0, -1).map(() => 'REQUEST'),
      'CANCEL',
    ]);
    expect(bySequence[0]!.subject).toMatch(/^Invitation: Roadmap/);
    expect(bySequence.at(-2)!.event.summary).toBe('Roadmap (final)');
  });

  it('repeats weekly: one occurrence moved on its own (scope this), the series ended from one on (following)', async () => {
    const scheduled = await people.olga.api.send<{ meeting: Meeting & { recurrence?: { rrule: string } } }>(
      'POST',
      '/v1/meetings',
      {
        title: 'Weekly sync',
        attendees: [{ userId: people.bea.id }],
        start: at(2, 8),
        end: at(2, 9),
        timeZone: 'UTC',
        recurrence: { rule: { frequency: 'weekly', count: 4 } },
      },
    );
    expect(scheduled.status).toBe(201);
    const series = scheduled.body.meeting;
    expect(series.recurrence?.rrule).toContain('FREQ=WEEKLY');
    expect(series.recurrence?.rrule).toContain('COUNT=4');

    const moved = await people.olga.api.send<{
      meeting: { overrides: { originalStart: string; start: string }[] };
    }>('PATCH', `/v1/meetings/${series.id}`, {
      scope: 'this',
      occurrenceStart: at(9, 8),
      start: at(9, 10),
      end: at(9, 11),
    });
    expect(moved.status).toBe(200);
    expect(moved.body.meeting.overrides).toEqual([
      expect.objectContaining({ originalStart: at(9, 8), start: at(9, 10) }),
    ]);

    const ended = await people.olga.api.send('POST', `/v1/meetings/${series.id}/cancel`, {
      scope: 'following',
      occurrenceStart: at(16, 8),
      message: 'Two are enough',
    });
    expect(ended.status).toBe(200);

    await eventually(async () => {
      const mine = await people.bea.api.send<{
        items: { meetingId: string; start: string; recurring: boolean }[];
      }>('GET', `/v1/users/me/meetings?${query({ from: at(2, 0), to: at(30, 0) })}`);
      const starts = mine.body.items.filter((item) => item.meetingId === series.id).map((item) => item.start);
      expect(starts).toEqual([at(2, 8), at(9, 10)]);
    }, 20_000);
  });
});
