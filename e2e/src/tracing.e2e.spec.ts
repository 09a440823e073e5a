import { randomBytes, randomUUID } from 'node:crypto';
import {
  createFeedTopics,
  eventually,
  mailbox,
  startSystemWithMember,
  testStack,
  type FeedTopics,
  type GatewayCall,
  type RunningSystem,
} from '@roomledger/testing';
import { Kafka, logLevel } from 'kafkajs';

/** A trace as Jaeger's query API returns it (`GET /api/traces/<id>`). */
interface JaegerTrace {
  traceID: string;
  spans: {
    traceID: string;
    spanID: string;
    operationName: string;
    processID: string;
    tags: { key: string; value: unknown }[];
  }[];
  processes: Record<string, { serviceName: string }>;
}

interface FoundSpan {
  service: string;
  operation: string;
  tags: Record<string, unknown>;
}

/**
 * One user action, one trace: booking a room through the gateway is followed through the booking
 * service (the decision and the event store append), the relay's Kafka produce, and the notification
 * service's consume and e-mail send, all under the trace id the client started. Registering a user is
 * followed likewise through the user service, its outbox relay's produce and the user feed's consumers.
 */
describe('Tracing a booking end to end (Jaeger)', () => {
  let system: RunningSystem | undefined;
  let feeds: FeedTopics;
  /** The run's own user feed, so that its name is known here (startSystem keeps a USER_EVENTS_TOPIC given). */
  let userFeed: FeedTopics | undefined;
  const runId = randomUUID().slice(0, 8);
  const email = `traced-${runId}@example.com`;
  let api: GatewayCall;
  let memberToken: string;
  let roomId: string;

  beforeAll(async () => {
    userFeed = await createFeedTopics(
      new Kafka({ clientId: 'e2e-tracing', brokers: testStack.kafkaBrokers, logLevel: logLevel.NOTHING }),
      { 'user.events.v1': 'USER_EVENTS_TOPIC' },
    );
    ({ system, feeds, api, memberToken, roomId } = await startSystemWithMember({
      clientId: 'e2e-tracing',
      // Tracing is on (infra/local/services.json) and exports to the test stack's Jaeger.
      env: {
        OTEL_SDK_DISABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: testStack.otlpEndpoint,
        // Debug: the per-call and per-message lines whose trace ids this test checks.
        LOG_LEVEL: 'debug',
        RATE_LIMIT_IP_AUTH: '500',
        REMINDERS_ENABLED: 'false',
        ...userFeed.env,
      },
      member: { email, name: 'Traced Member', password: 'correct-horse-battery-staple', channels: ['email'] },
      room: { name: `traced-${runId}`, bookableOn: '2031-03-04' },
    }));
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await feeds?.delete();
    await userFeed?.delete();
  });

  it('puts the gateway request, the decision and append, the Kafka produce, the consume and the e-mail send in one trace, and a registration through the user outbox to the user feed in another', async () => {
    const traceId = randomBytes(16).toString('hex');
    const booked = await api<{ id: string }>(
      'POST',
      '/v1/bookings',
      memberToken,
      {
        roomId,
        start: '2031-03-04T09:00:00+01:00',
        end: '2031-03-04T10:00:00+01:00',
        title: 'Traced',
      },
      { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    );
    expect(booked.status).toBe(201);
    // The gateway names the trace it answered in, so a client can look it up.
    expect(booked.headers.get('traceresponse')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    // A second user registers through the gateway in a trace of their own.
    const userTraceId = randomBytes(16).toString('hex');
    const secondEmail = `traced-second-${runId}@example.com`;
    const registered = await api<{ id: string }>(
      'POST',
      '/v1/auth/register',
      undefined,
      {
        email: secondEmail,
        name: 'Second Traced',
        password: 'correct-horse-battery-staple',
        timeZone: 'Europe/Berlin',
      },
      { traceparent: `00-${userTraceId}-${randomBytes(8).toString('hex')}-01` },
    );
    expect(registered.status).toBe(201);
    expect(registered.headers.get('traceresponse')).toMatch(
      new RegExp(`^00-${userTraceId}-[0-9a-f]{16}-01$`),
    );
    const userTopic = userFeed!.topic('user.events.v1');
    const userTrace = async () => {
      const response = await fetch(`${testStack.jaegerQueryUrl}/api/traces/${userTraceId}`);
      if (response.status !== 200) throw new Error(`Jaeger answered ${response.status} for ${userTraceId}`);
      const { data } = (await response.json()) as { data: JaegerTrace[] };
      expect(data).toHaveLength(1);
      return spansOf(data[0]);
    };
    const consumedUserEvent = (span: FoundSpan) =>
      (span.service === 'notification' || span.service === 'booking') &&
      span.operation === `process ${userTopic}` &&
      span.tags['span.kind'] === 'consumer';

    await mailbox.waitFor(email, 1, 60_000);
    // Every follower reports its lag on /metrics; the booking's event reached Kafka, so its relay has none.
    const series: Record<string, string[]> = {
      booking: [
        'projection_lag_events{projection="booking-read"',
        'projection_lag_seconds{projection="booking-read"',
        'relay_lag_events{relay="booking-events"',
        'relay_lag_seconds{relay="meeting-events"',
        'kafka_consumer_lag_messages{group="booking.room-policy.',
      ],
      room: [
        'projection_lag_events{projection=',
        'relay_lag_events{relay="room-events"',
        'kafka_consumer_lag_messages{',
      ],
      user: ['relay_lag_events{relay="user-events"'],
      notification: [
        'relay_lag_events{relay="notification-events"',
        'kafka_consumer_lag_messages{group="notification.',
      ],
    };
    for (const [service, prefixes] of Object.entries(series)) {
      await eventually(async () => {
        const text = await (await fetch(`${system!.services[service].httpUrl}/metrics`)).text();
        for (const prefix of prefixes) {
          if (!text.split('\n').some((line) => line.startsWith(prefix)))
            throw new Error(`the ${service} service's /metrics has no ${prefix}...}`);
        }
      }, 30_000);
    }
    await eventually(async () => {
      const text = await (await fetch(`${system!.services.booking.httpUrl}/metrics`)).text();
      expect(text).toMatch(/^relay_lag_events\{relay="booking-events",service="booking"\} 0$/m);
    }, 30_000);
    // The user feed's consumers (notification's directory, booking's user profiles) handled the
    // registration, their spans exported, before the system stops.
    await eventually(
      async () => {
        const consumers = new Set((await userTrace()).filter(consumedUserEvent).map((span) => span.service));
        if (consumers.size !== 2) throw new Error(`process ${userTopic} spans so far: ${[...consumers]}`);
      },
      60_000,
      1_000,
    );
    // Stopping makes each service's SDK export what it still holds (SIGTERM → tracing.shutdown()).
    await system!.stop();

    const bookingTopic = feeds.topic('booking.events.v1');
    const spans = await eventually(
      async () => {
        const response = await fetch(`${testStack.jaegerQueryUrl}/api/traces/${traceId}`);
        if (response.status !== 200) throw new Error(`Jaeger answered ${response.status}`);
        const { data } = (await response.json()) as { data: JaegerTrace[] };
        expect(data).toHaveLength(1);
        const found = spansOf(data[0]);
        for (const service of ['gateway', 'booking', 'notification']) {
          if (!found.some((span) => span.service === service)) throw new Error(`no ${service} span yet`);
        }
        if (!found.some((span) => span.operation === 'notification email send'))
          throw new Error('no e-mail send span yet');
        return found;
      },
      60_000,
      1_000,
    );

    const one = (
      service: string,
      operation: string | RegExp,
      where: (span: FoundSpan) => boolean = () => true,
    ) => {
      const named = (span: FoundSpan) =>
        typeof operation === 'string' ? span.operation === operation : operation.test(span.operation);
      const found = spans.find((span) => span.service === service && named(span) && where(span));
      if (!found) throw new Error(`no ${service} span ${operation} in ${JSON.stringify(spans.map(label))}`);
      return found;
    };
    // The gateway's HTTP server span.
    expect(one('gateway', /^POST\b/, (span) => span.tags['span.kind'] === 'server').tags).toMatchObject({
      'http.response.status_code': 201,
    });
    // The booking service: its decision on the request's span, and the event store append.
    expect(
      spans.find(
        (span) =>
          span.service === 'booking' &&
          span.tags['roomledger.room_id'] === roomId &&
          span.tags['roomledger.booking_id'] === booked.body.id,
      )?.tags,
    ).toMatchObject({ 'roomledger.decision.outcome': 'appended', 'roomledger.decision.conflict_retries': 0 });
    expect(one('booking', 'eventstore.append').tags).toMatchObject({
      'roomledger.event_store.stream': `roomSchedule-${roomId}`,
      'roomledger.event_store.outcome': 'appended',
    });
    // The relay's produce, in the trace stored with the event.
    const produced = one('booking', `send ${bookingTopic}`, (span) => span.tags['span.kind'] === 'producer');
    // The notification service's consume and send.
    one('notification', `process ${bookingTopic}`, (span) => span.tags['span.kind'] === 'consumer');
    const sent = one('notification', 'notification email send');
    expect(sent.tags).toMatchObject({
      'roomledger.notification.channel': 'email',
      'roomledger.notification.kind': 'booking-confirmed',
      'roomledger.notification.outcome': 'sent',
      'roomledger.event.id': produced.tags['messaging.message.id'],
    });
    // No personal data on any span.
    expect(JSON.stringify(spans)).not.toContain(email);
    expect(JSON.stringify(spans)).not.toContain('Traced Member');

    // Log lines written inside the gRPC handler and the Kafka message handler carry the trace.
    const traced = system!
      .logs()
      .map((line) => /^(\w+): (\{.*\})$/.exec(line))
      .flatMap((match): Record<string, unknown>[] =>
        match ? [{ ...(JSON.parse(match[2]) as Record<string, unknown>), service: match[1] }] : [],
      )
      .filter((line) => line.trace_id === traceId);
    expect(traced).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          service: 'booking',
          msg: 'gRPC call handled',
          grpc_method: 'BookDirectly',
          span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        }),
        expect.objectContaining({
          service: 'notification',
          msg: 'message processed',
          topic: bookingTopic,
          span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        }),
      ]),
    );
    expect(JSON.stringify(traced)).not.toContain(email);

    // The registration's trace: the gateway request, the user service, its outbox relay's produce (in the
    // trace stored with the outbox row) and the user feed's consume in notification and booking.
    const userProducer = (span: FoundSpan) =>
      span.service === 'user' &&
      span.operation === `send ${userTopic}` &&
      span.tags['span.kind'] === 'producer';
    const userSpans = await eventually(
      async () => {
        const found = await userTrace();
        for (const service of ['gateway', 'user'])
          if (!found.some((span) => span.service === service)) throw new Error(`no ${service} span yet`);
        if (!found.some(userProducer)) throw new Error(`no send ${userTopic} span yet`);
        return found;
      },
      60_000,
      1_000,
    );
    const inUserTrace = (service: string, where: (span: FoundSpan) => boolean) => {
      const found = userSpans.find((span) => span.service === service && where(span));
      if (!found) throw new Error(`no such ${service} span in ${JSON.stringify(userSpans.map(label))}`);
      return found;
    };
    expect(
      inUserTrace('gateway', (span) => /^POST\b/.test(span.operation) && span.tags['span.kind'] === 'server')
        .tags,
    ).toMatchObject({ 'http.response.status_code': 201 });
    // The user outbox relay's produce.
    expect(inUserTrace('user', userProducer).tags).toMatchObject({ 'messaging.destination.name': userTopic });
    // The user service's handling of the gateway's gRPC call.
    inUserTrace(
      'user',
      (span) =>
        span.operation === 'grpc.roomledger.user.v1.UserService/Register' &&
        span.tags['span.kind'] === 'server',
    );
    // Both readers of the user feed: the notification service's directory and booking's user profiles.
    expect([...new Set(userSpans.filter(consumedUserEvent).map((span) => span.service))].sort()).toEqual([
      'booking',
      'notification',
    ]);
    // No personal data on any span of it.
    expect(JSON.stringify(userSpans)).not.toContain(secondEmail);
    expect(JSON.stringify(userSpans)).not.toContain('Second Traced');
  });
});

function label(span: FoundSpan): string {
  return `${span.service}: ${span.operation} (${String(span.tags['span.kind'] ?? 'internal')})`;
}

function spansOf(trace: JaegerTrace): FoundSpan[] {
  return trace.spans.map((span) => {
    expect(span.traceID).toBe(trace.traceID);
    return {
      service: trace.processes[span.processID].serviceName,
      operation: span.operationName,
      tags: Object.fromEntries(span.tags.map((tag) => [tag.key, tag.value])),
    };
  });
}
