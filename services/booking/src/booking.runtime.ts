import type { Checkpoint, EventStore } from '@roomledger/event-store';
import { EsdbEventStore } from '@roomledger/event-store-esdb';
import { PostgresEventStore } from '@roomledger/event-store-postgres';
import { runRelay, type InboxConsumer, type Relay } from '@roomledger/messaging';
import { trackConsumerLag, trackLag, type ServiceMetrics } from '@roomledger/observability';
import { ProjectionRunner } from '@roomledger/projections';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { BookingApplication } from './booking.application';
import { CalendarFeeds } from './calendars/calendar-feeds';
import type { BookingConfig } from './config';
import { ensureDirectory } from './directory/directory';
import { toBookingFeedMessage } from './feed/booking-feed';
import { MEETING_FEED_ROOM_SCHEDULE_TYPES, toMeetingFeedMessage } from './feed/meeting-feed';
import { CalendarQueries } from './meetings/calendar.queries';
import { MeetingApplication } from './meetings/meeting.application';
import { MeetingHandler } from './meetings/meeting.handler';
import { bookingReadProjectionWith } from './read-model/booking-read.projection';
import { RoomScheduleHandler } from './schedule/room-schedule.handler';
import { SchedulingApplication } from './scheduling/scheduling.application';
import { HoldExpirer } from './workers/hold-expirer';
import { runRoomEventsConsumer } from './workers/room-events.consumer';
import { SeriesBooker } from './workers/series-booker';
import { seriesSplitCompleter } from './workers/series-split-completer';
import { runUserEventsConsumer } from './workers/user-events.consumer';

/** The meeting side of the service: use cases, queries, the assistant and the calendar feeds. */
export interface MeetingServices {
  readonly handler: MeetingHandler;
  readonly application: MeetingApplication;
  readonly calendars: CalendarQueries;
  readonly scheduling: SchedulingApplication;
  readonly feeds: CalendarFeeds;
  /** Starts the continuation of a `following` edit that stopped after its split (background). */
  readonly splitCompleter: ProjectionRunner;
}

/**
 * Everything the booking service runs besides its gRPC handlers: the event store, the command handlers
 * (room schedules, meetings), the `booking_read` projection, the public feed relays (bookings,
 * meetings), the hold expirer, the series job, and the room policy and user profile replicas.
 * Started after Nest is up, stopped before its clients close.
 */
export class BookingRuntime {
  private constructor(
    readonly store: EventStore,
    readonly handler: RoomScheduleHandler,
    readonly application: BookingApplication,
    readonly meetings: MeetingServices,
    readonly projection: ProjectionRunner,
    private readonly config: BookingConfig,
    private readonly kafka: Kafka,
    private readonly pool: Pool,
    private readonly logger: Logger,
    readonly metrics: BookingMetrics,
  ) {}

  private relay: Relay | undefined;
  private meetingRelay: Relay | undefined;
  private consumer: InboxConsumer | undefined;
  private consumerStarting: Promise<void> | undefined;
  private userConsumer: InboxConsumer | undefined;
  private userConsumerStarting: Promise<void> | undefined;
  private expirer: HoldExpirer | undefined;
  private seriesBooker: SeriesBooker | undefined;

  static async create(deps: {
    config: BookingConfig;
    pool: Pool;
    kafka: Kafka;
    logger: Logger;
    metrics: ServiceMetrics;
  }): Promise<BookingRuntime> {
    const { config, logger } = deps;
    const metrics = bookingMetrics(deps.metrics);
    const store: EventStore & { headCheckpoint?(categories: string[]): Promise<Checkpoint | undefined> } =
      config.EVENTSTORE_CONNECTION_STRING
        ? EsdbEventStore.fromConnectionString(config.EVENTSTORE_CONNECTION_STRING)
        : await PostgresEventStore.create({
            connectionString: config.DATABASE_URL,
            schema: config.EVENT_STORE_SCHEMA,
            poolSize: config.EVENT_STORE_POOL_SIZE,
            applicationName: 'roomledger-booking',
            liveReadIntervalMs: config.LIVE_READ_INTERVAL_MS,
          });
    const handler = new RoomScheduleHandler(store, {
      onConflict: () => metrics.conflicts.inc(),
      onSnapshotError: (roomId, error) => logger.warn({ err: error, roomId }, 'snapshot not saved'),
    });
    const projection = new ProjectionRunner({
      ...bookingReadProjectionWith({ calendarHorizonDays: config.CALENDAR_HORIZON_DAYS }),
      store,
      pool: deps.pool,
      logger: logger.child({ component: 'projection' }),
      // One instance applies; the others stand by (and answer read-your-writes waits from its checkpoint).
      leaderPool: deps.pool,
    });
    const application = new BookingApplication(handler, deps.pool, {
      awaitReadModel: async (timeoutMs) => {
        if (!store.headCheckpoint) {
          // EventStoreDB: no cheap head query here; give the live subscription a moment.
          await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 250)));
          return;
        }
        const head = await store.headCheckpoint(['roomSchedule']);
        if (head) await projection.waitUntil(head, { timeoutMs });
      },
    });
    const meetingHandler = new MeetingHandler(store, {
      onConflict: () => metrics.conflicts.inc(),
      onSnapshotError: (meetingId, error) => logger.warn({ err: error, meetingId }, 'snapshot not saved'),
    });
    const calendars = new CalendarQueries(deps.pool);
    const meetings: MeetingServices = {
      handler: meetingHandler,
      application: new MeetingApplication(meetingHandler, application, calendars, {
        horizonDays: config.CALENDAR_HORIZON_DAYS,
      }),
      calendars,
      scheduling: new SchedulingApplication(deps.pool, calendars, application),
      feeds: new CalendarFeeds(deps.pool),
      splitCompleter: seriesSplitCompleter({
        store,
        pool: deps.pool,
        handler: meetingHandler,
        logger: logger.child({ component: 'series-splits' }),
      }),
    };
    await ensureDirectory(deps.pool);
    const runtime = new BookingRuntime(
      store,
      handler,
      application,
      meetings,
      projection,
      config,
      deps.kafka,
      deps.pool,
      logger,
      metrics,
    );
    runtime.trackLag(deps.metrics);
    return runtime;
  }

  /** Projection, relay and consumer lag on `/metrics`, sampled when scraped. */
  private trackLag({ registry }: ServiceMetrics): void {
    trackLag(registry, 'projection', this.projection.name, () => this.projection.lag());
    trackLag(registry, 'relay', 'booking-events', () => this.relay?.lag());
    trackLag(registry, 'relay', 'meeting-events', () => this.meetingRelay?.lag());
    trackConsumerLag(registry, this.config.ROOM_EVENTS_GROUP_ID, () => this.consumer?.lag());
    trackConsumerLag(registry, this.config.USER_EVENTS_GROUP_ID, () => this.userConsumer?.lag());
  }

  async start(): Promise<void> {
    await this.projection.start();
    await this.meetings.splitCompleter.start();
    this.relay = await runRelay({
      name: 'booking-events',
      store: this.store,
      categories: ['roomSchedule'],
      kafka: this.kafka,
      topic: this.config.BOOKING_EVENTS_TOPIC,
      map: toBookingFeedMessage,
      pool: this.pool,
      logger: this.logger,
      source: '/roomledger/booking',
      checkpointSchema: 'booking_relay',
      leaderPool: this.pool,
    });
    this.expirer = new HoldExpirer({
      pool: this.pool,
      application: this.application,
      logger: this.logger.child({ component: 'hold-expirer' }),
      intervalMs: this.config.HOLD_EXPIRY_INTERVAL_MS,
      onExpired: (count) => this.metrics.holdsExpired.inc(count),
    });
    this.expirer.start();
    this.meetingRelay = await runRelay({
      name: 'meeting-events',
      store: this.store,
      categories: ['meeting', 'roomSchedule'],
      // Of the room schedules, the meeting feed publishes only skipped series occurrences: the store
      // need not send this relay every booking decision as well.
      eventTypes: { roomSchedule: MEETING_FEED_ROOM_SCHEDULE_TYPES },
      kafka: this.kafka,
      topic: this.config.MEETING_EVENTS_TOPIC,
      map: toMeetingFeedMessage,
      pool: this.pool,
      logger: this.logger,
      source: '/roomledger/booking',
      checkpointSchema: 'booking_relay',
      leaderPool: this.pool,
    });
    this.seriesBooker = new SeriesBooker({
      pool: this.pool,
      meetings: this.meetings.application,
      logger: this.logger.child({ component: 'series-booker' }),
      intervalMs: this.config.SERIES_BOOKING_INTERVAL_MS,
    });
    this.seriesBooker.start();
    // The room replica joins its consumer group in the background: Kafka may come later than we do.
    this.consumerStarting = runRoomEventsConsumer({
      kafka: this.kafka,
      pool: this.pool,
      application: this.application,
      logger: this.logger.child({ component: 'room-events' }),
      groupId: this.config.ROOM_EVENTS_GROUP_ID,
      topic: this.config.ROOM_EVENTS_TOPIC,
    }).then(
      (consumer) => {
        this.consumer = consumer;
      },
      (error: unknown) => this.logger.error({ err: error }, 'room events consumer did not start'),
    );
    this.userConsumerStarting = runUserEventsConsumer({
      kafka: this.kafka,
      pool: this.pool,
      logger: this.logger.child({ component: 'user-events' }),
      groupId: this.config.USER_EVENTS_GROUP_ID,
      topic: this.config.USER_EVENTS_TOPIC,
    }).then(
      (consumer) => {
        this.userConsumer = consumer;
      },
      (error: unknown) => this.logger.error({ err: error }, 'user events consumer did not start'),
    );
  }

  async stop(): Promise<void> {
    await this.expirer?.stop();
    await this.seriesBooker?.stop();
    await this.consumerStarting;
    await this.consumer?.stop().catch(() => undefined);
    await this.userConsumerStarting;
    await this.userConsumer?.stop().catch(() => undefined);
    await this.relay?.stop();
    await this.meetingRelay?.stop();
    await this.meetings.splitCompleter.stop();
    await this.projection.stop();
    await this.store.close();
  }

  /** For readiness: the read model is being fed and the relay runs. */
  status(): Record<string, unknown> {
    const projection = this.projection.status();
    const relay = this.relay?.status();
    return {
      projection: projection.state,
      projectionCaughtUp: projection.caughtUp,
      relay: !relay
        ? 'starting'
        : relay.lastError
          ? `retrying: ${relay.lastError}`
          : relay.leader
            ? 'publishing'
            : 'standby',
      meetingRelay: !this.meetingRelay
        ? 'starting'
        : this.meetingRelay.status().lastError
          ? `retrying: ${this.meetingRelay.status().lastError}`
          : this.meetingRelay.status().leader
            ? 'publishing'
            : 'standby',
      roomReplica: this.consumer ? 'running' : 'starting',
      userReplica: this.userConsumer ? 'running' : 'starting',
      seriesSplits: this.meetings.splitCompleter.status().state,
    };
  }
}

export interface BookingMetrics {
  conflicts: Counter;
  holdsExpired: Counter;
  decisions: Counter<'command' | 'outcome'>;
}

function bookingMetrics(metrics: ServiceMetrics): BookingMetrics {
  return {
    conflicts: new Counter({
      name: 'booking_decision_conflicts_total',
      help: 'Decisions re-made because another instance appended to the room first',
      registers: [metrics.registry],
    }),
    holdsExpired: new Counter({
      name: 'booking_holds_expired_total',
      help: 'HoldExpired events appended by the background expirer',
      registers: [metrics.registry],
    }),
    decisions: new Counter({
      name: 'booking_decisions_total',
      help: 'Room schedule commands by outcome (appended, unchanged, or the refusal code)',
      labelNames: ['command', 'outcome'] as const,
      registers: [metrics.registry],
    }),
  };
}
