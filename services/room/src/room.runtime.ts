import type { EventStore } from '@roomledger/event-store';
import { EsdbEventStore } from '@roomledger/event-store-esdb';
import { PostgresEventStore } from '@roomledger/event-store-postgres';
import { runRelay, type InboxConsumer, type Relay } from '@roomledger/messaging';
import { trackConsumerLag, trackLag, type ServiceMetrics } from '@roomledger/observability';
import { ProjectionRunner } from '@roomledger/projections';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { ROOM_CATEGORY, RoomHandler } from './catalogue/room.handler';
import type { RoomConfig } from './config';
import { toRoomFeedMessage } from './feed/room-feed';
import { ensureBusyIntervals } from './read-model/busy-intervals';
import { roomReadProjection } from './read-model/room-read.projection';
import { RoomApplication } from './room.application';
import { runBookingEventsConsumer } from './workers/booking-events.consumer';

/**
 * Everything the room service runs besides its gRPC handlers: the event store, the command handler,
 * the `room_read` projection, the public feed relay (`room.events.v1`) and the busy intervals fed by
 * `booking.events.v1`. Started after Nest is up, stopped before its clients close.
 */
export class RoomRuntime {
  private relay: Relay | undefined;
  private consumer: InboxConsumer | undefined;
  private consumerStarting: Promise<void> | undefined;

  private constructor(
    readonly store: EventStore,
    readonly application: RoomApplication,
    readonly projection: ProjectionRunner,
    private readonly config: RoomConfig,
    private readonly kafka: Kafka,
    private readonly pool: Pool,
    private readonly logger: Logger,
    readonly metrics: RoomMetrics,
  ) {}

  static async create(deps: {
    config: RoomConfig;
    pool: Pool;
    kafka: Kafka;
    logger: Logger;
    metrics: ServiceMetrics;
  }): Promise<RoomRuntime> {
    const { config, logger } = deps;
    const metrics = roomMetrics(deps.metrics);
    const store: EventStore = config.EVENTSTORE_CONNECTION_STRING
      ? EsdbEventStore.fromConnectionString(config.EVENTSTORE_CONNECTION_STRING)
      : await PostgresEventStore.create({
          connectionString: config.DATABASE_URL,
          schema: config.EVENT_STORE_SCHEMA,
          poolSize: config.EVENT_STORE_POOL_SIZE,
          applicationName: 'roomledger-room',
        });
    const handler = new RoomHandler(store, { onConflict: () => metrics.conflicts.inc() });
    const projection = new ProjectionRunner({
      ...roomReadProjection,
      store,
      pool: deps.pool,
      logger: logger.child({ component: 'projection' }),
      // One instance applies; the others stand by (and answer read-your-writes waits from its checkpoint).
      leaderPool: deps.pool,
    });
    const application = new RoomApplication(handler, deps.pool);
    const runtime = new RoomRuntime(
      store,
      application,
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
    trackLag(registry, 'relay', 'room-events', () => this.relay?.lag());
    trackConsumerLag(registry, this.config.BOOKING_EVENTS_GROUP_ID, () => this.consumer?.lag());
  }

  async start(): Promise<void> {
    await ensureBusyIntervals(this.pool);
    await this.projection.start();
    this.relay = await runRelay({
      name: 'room-events',
      store: this.store,
      categories: [ROOM_CATEGORY],
      kafka: this.kafka,
      topic: this.config.ROOM_EVENTS_TOPIC,
      map: toRoomFeedMessage,
      pool: this.pool,
      logger: this.logger,
      source: '/roomledger/room',
      checkpointSchema: 'room_relay',
    });
    // The busy intervals join their consumer group in the background: Kafka may come later than we do.
    this.consumerStarting = runBookingEventsConsumer({
      kafka: this.kafka,
      pool: this.pool,
      logger: this.logger.child({ component: 'booking-events' }),
      groupId: this.config.BOOKING_EVENTS_GROUP_ID,
      topic: this.config.BOOKING_EVENTS_TOPIC,
      metrics: { processed: () => this.metrics.bookingEvents.inc() },
    }).then(
      (consumer) => {
        this.consumer = consumer;
      },
      (error: unknown) => this.logger.error({ err: error }, 'booking events consumer did not start'),
    );
  }

  async stop(): Promise<void> {
    await this.consumerStarting;
    await this.consumer?.stop().catch(() => undefined);
    await this.relay?.stop();
    await this.projection.stop();
    await this.store.close();
  }

  /** For readiness: the read model is being fed, the relay runs, the busy intervals are consumed. */
  status(): Record<string, unknown> {
    const projection = this.projection.status();
    const relay = this.relay?.status();
    return {
      projection: projection.state,
      projectionCaughtUp: projection.caughtUp,
      relay: relay ? (relay.lastError ? `retrying: ${relay.lastError}` : 'running') : 'starting',
      busyIntervals: this.consumer ? 'running' : 'starting',
    };
  }
}

export interface RoomMetrics {
  conflicts: Counter;
  bookingEvents: Counter;
  decisions: Counter<'command' | 'outcome'>;
}

function roomMetrics(metrics: ServiceMetrics): RoomMetrics {
  return {
    conflicts: new Counter({
      name: 'room_decision_conflicts_total',
      help: 'Room decisions re-made because another instance appended to the room first',
      registers: [metrics.registry],
    }),
    bookingEvents: new Counter({
      name: 'room_booking_events_applied_total',
      help: 'booking.events.v1 messages applied to the busy intervals (duplicates not counted)',
      registers: [metrics.registry],
    }),
    decisions: new Counter({
      name: 'room_decisions_total',
      help: 'Room catalogue commands by outcome (ok, or the refusal code)',
      labelNames: ['command', 'outcome'] as const,
      registers: [metrics.registry],
    }),
  };
}
