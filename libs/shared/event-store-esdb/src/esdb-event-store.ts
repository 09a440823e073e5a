import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  jsonEvent,
  streamNameFilter,
  type JSONType,
  type ResolvedEvent,
  type AllStreamResolvedEvent,
} from '@eventstore/db-client';
import {
  WrongExpectedVersion,
  assertCategories,
  assertEventTypes,
  assertReadFrom,
  assertStreamName,
  compareCheckpoints,
  eventTypeMatches,
  normalizeLimit,
  prepareAppend,
  pushSubscription,
  streamNameMatchesCategories,
  type AppendOptions,
  type AppendResult,
  type EventLike,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type StreamState,
  type SubscribeOptions,
  type Subscription,
} from '@roomledger/event-store';
import {
  eventTypeRegex,
  streamNameRegex,
  toCheckpoint,
  toExpectedRevision,
  toPosition,
  toRecordedEvent,
  toStreamState,
  type EsdbRecordedEvent,
} from './mapping';

/** Snapshots live beside the stream, in a system stream keeping only its latest event. */
export const SNAPSHOT_STREAM_PREFIX = '$snapshot-';
const SNAPSHOT_EVENT_TYPE = 'Snapshot';

/**
 * The event store port over EventStoreDB (22.6 or later). Thin by design: EventStoreDB already has
 * these semantics; this maps names, errors and positions, and shares batching with the port library.
 */
export class EsdbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly client: EventStoreDBClient) {}

  /** e.g. `esdb://127.0.0.1:2113?tls=false`. */
  static fromConnectionString(connectionString: string): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  async append<E extends EventLike>(
    streamName: string,
    events: readonly NewEvent<E>[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const expected = options.expected ?? 'any';
    const prepared = prepareAppend(streamName, events, expected);
    try {
      const result = await this.client.appendToStream(
        streamName,
        prepared.map((event) =>
          jsonEvent({
            id: event.eventId,
            type: event.type,
            data: event.data as JSONType,
            metadata: event.metadata,
          }),
        ),
        { expectedRevision: toExpectedRevision(expected) },
      );
      if (result.position !== undefined) {
        return {
          nextExpectedRevision: result.nextExpectedRevision,
          position: result.position.commit,
          checkpoint: toCheckpoint(result.position),
        };
      }
      // Some servers answer an idempotent retry without a position: take the original event's.
      for await (const last of this.readRawStream(streamName, {
        from: result.nextExpectedRevision,
        limit: 1,
      })) {
        return {
          nextExpectedRevision: result.nextExpectedRevision,
          position: last.position,
          checkpoint: last.checkpoint,
        };
      }
      throw new Error(`EventStoreDB returned no position for the append to ${streamName}`);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedVersion(streamName, expected, toStreamState(error.actualVersion));
      }
      throw error;
    }
  }

  async streamState(streamName: string): Promise<StreamState> {
    assertStreamName(streamName);
    for await (const event of this.readStream(streamName, { direction: 'backwards', limit: 1 }))
      return event.revision;
    return 'no_stream';
  }

  async *readStream<E extends EventLike = EventLike>(
    streamName: string,
    options: ReadStreamOptions = {},
  ): AsyncGenerator<RecordedEvent<E>> {
    assertStreamName(streamName);
    yield* this.readRawStream(streamName, options) as AsyncGenerator<RecordedEvent<E>>;
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    assertCategories(options.categories);
    assertEventTypes(options.eventTypes, options.categories);
    let remaining = normalizeLimit(options.limit);
    if (remaining === 0n) return;
    // readAll has no server-side filter in this client: filter here; the position read from is inclusive.
    const read = this.client.readAll({
      direction: FORWARDS,
      fromPosition: options.from === undefined ? START : toPosition(options.from),
    });
    try {
      for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
        const event = resolved.event;
        if (
          !event ||
          event.type.startsWith('$') ||
          !streamNameMatchesCategories(event.streamId, options.categories) ||
          !eventTypeMatches(event.streamId, event.type, options.eventTypes)
        )
          continue;
        const recorded = toRecordedEvent(event as EsdbRecordedEvent, resolved.commitPosition);
        if (compareCheckpoints(recorded.checkpoint, options.from) <= 0) continue;
        yield recorded;
        if (remaining !== undefined && --remaining === 0n) return;
      }
    } finally {
      await read.cancel().catch(() => undefined);
    }
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    const { categories, eventTypes } = options;
    assertCategories(categories);
    assertEventTypes(eventTypes, categories);
    // The server filters on stream names or on event types, not both. When every category read keeps
    // only some types, the types go to the server and the categories are checked here; otherwise the
    // other way round.
    const typesOnServer =
      categories !== undefined &&
      eventTypes !== undefined &&
      categories.every((category) => Object.hasOwn(eventTypes, category));
    const subscription = pushSubscription(
      { from: options.from, batchSize: options.batchSize, signal: options.signal },
      (sink) => {
        const source = this.client.subscribeToAll({
          fromPosition: options.from === undefined ? START : toPosition(options.from),
          filter: typesOnServer
            ? eventTypeFilter({ regex: eventTypeRegex(eventTypes) })
            : streamNameFilter({ regex: streamNameRegex(categories) }),
        });
        source.on('data', (resolved: AllStreamResolvedEvent) => {
          const event = resolved.event;
          if (
            !event ||
            event.type.startsWith('$') ||
            !streamNameMatchesCategories(event.streamId, categories) ||
            !eventTypeMatches(event.streamId, event.type, eventTypes)
          )
            return;
          sink.event(toRecordedEvent(event as EsdbRecordedEvent, resolved.commitPosition));
        });
        source.on('caughtUp', () => sink.caughtUp());
        source.on('fellBehind', () => sink.fellBehind());
        source.on('error', (error) => sink.fail(error));
        source.on('end', () => sink.end());
        return {
          close: async () => {
            this.subscriptions.delete(subscription);
            await source.unsubscribe();
          },
          pause: () => source.pause(),
          resume: () => source.resume(),
          isDrained: () => source.readableLength === 0,
        };
      },
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async saveSnapshot(streamName: string, revision: bigint, state: unknown): Promise<void> {
    assertStreamName(streamName);
    const snapshotStream = `${SNAPSHOT_STREAM_PREFIX}${streamName}`;
    const result = await this.client.appendToStream(
      snapshotStream,
      jsonEvent({ type: SNAPSHOT_EVENT_TYPE, data: { revision: revision.toString(), state } as JSONType }),
    );
    if (result.nextExpectedRevision === 0n) {
      await this.client.setStreamMetadata(snapshotStream, { maxCount: 1 });
    }
  }

  async loadSnapshot<S = unknown>(streamName: string): Promise<Snapshot<S> | undefined> {
    assertStreamName(streamName);
    for await (const event of this.readRawStream(`${SNAPSHOT_STREAM_PREFIX}${streamName}`, {
      direction: 'backwards',
      limit: 1,
    })) {
      const data = event.data as { revision: string; state: S };
      return { streamName, revision: BigInt(data.revision), state: data.state, createdAt: event.createdAt };
    }
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  private async *readRawStream(
    streamName: string,
    options: ReadStreamOptions,
  ): AsyncGenerator<RecordedEvent> {
    assertReadFrom(options.from);
    const limit = normalizeLimit(options.limit);
    if (limit === 0n) return;
    const backwards = options.direction === 'backwards';
    const from = options.from ?? (backwards ? 'end' : 'start');
    const read = this.client.readStream(streamName, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: from === 'start' ? START : from === 'end' ? END : from,
      ...(limit === undefined ? {} : { maxCount: limit }),
    });
    try {
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        if (resolved.event)
          yield toRecordedEvent(resolved.event as EsdbRecordedEvent, resolved.commitPosition);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return;
      throw error;
    } finally {
      await read.cancel().catch(() => undefined);
    }
  }
}
