import { Gauge, type Registry } from 'prom-client';

/** How far a follower (projection, relay) is behind what it follows. */
export interface Lag {
  /** Events not yet applied or published. */
  readonly events: number;
  /** Age of the oldest of them (0 when there are none). */
  readonly seconds: number;
}

/** One partition's consumer lag: messages after the group's committed offset. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly messages: number;
}

/** `undefined`: not running here (not started yet, or another instance's job); left out of the scrape. */
type LagSource = () => Promise<Lag> | undefined;
type PartitionLagSource = () => Promise<readonly PartitionLag[]> | undefined;

/** Sources sampled once per scrape, however many gauges read them (a registry collects them concurrently). */
class Sampled<T> {
  readonly sources = new Map<string, () => Promise<T> | undefined>();
  private inFlight: Promise<Map<string, T>> | undefined;

  sample(): Promise<Map<string, T>> {
    this.inFlight ??= this.sampleAll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async sampleAll(): Promise<Map<string, T>> {
    const entries = await Promise.all(
      [...this.sources].map(async ([name, source]) => {
        // A source that cannot answer now (not running here, its database or Kafka away) is left out
        // of this scrape: an absent series is an honest "unknown", where a stale value would look current.
        const value = await Promise.resolve()
          .then(source)
          .catch(() => undefined);
        return value === undefined ? [] : [[name, value] as const];
      }),
    );
    return new Map(entries.flat());
  }
}

const followerLags = new WeakMap<Registry, Map<string, Sampled<Lag>>>();
const consumerLags = new WeakMap<Registry, Sampled<readonly PartitionLag[]>>();

/** The two gauges of each kind of follower (names spelled out: the alert rules' check reads them). */
const followerGauges = {
  projection: [
    {
      unit: 'events',
      name: 'projection_lag_events',
      help: 'Events in the store not yet applied to the read model',
    },
    {
      unit: 'seconds',
      name: 'projection_lag_seconds',
      help: 'Age in seconds of the oldest event not yet applied to the read model (0 when none)',
    },
  ],
  relay: [
    { unit: 'events', name: 'relay_lag_events', help: 'Events (or outbox rows) not yet published to Kafka' },
    {
      unit: 'seconds',
      name: 'relay_lag_seconds',
      help: 'Age in seconds of the oldest event (or outbox row) not yet published to Kafka (0 when none)',
    },
  ],
} as const;

/**
 * Reports a follower's lag on `/metrics` as `projection_lag_events{projection="<name>"}` and
 * `projection_lag_seconds` (or `relay_lag_*{relay="<name>"}`), sampled when Prometheus scrapes, so
 * sampling must be cheap (one or two indexed queries). Several followers of one kind share the gauges.
 */
export function trackLag(
  registry: Registry,
  kind: keyof typeof followerGauges,
  name: string,
  sample: LagSource,
): void {
  let kinds = followerLags.get(registry);
  if (!kinds) followerLags.set(registry, (kinds = new Map()));
  let sampled = kinds.get(kind);
  if (!sampled) {
    const family = new Sampled<Lag>();
    kinds.set(kind, (sampled = family));
    for (const gauge of followerGauges[kind]) {
      new Gauge({
        name: gauge.name,
        help: `${gauge.help}, by ${kind}`,
        labelNames: [kind],
        registers: [registry],
        async collect() {
          const lags = await family.sample();
          this.reset();
          for (const [follower, lag] of lags) this.set({ [kind]: follower }, lag[gauge.unit]);
        },
      });
    }
  }
  sampled.sources.set(name, sample);
}

/**
 * Reports a consumer group's lag per partition as `kafka_consumer_lag_messages{group,topic,partition}`
 * (the partition's end offset minus the group's committed offset), sampled when Prometheus scrapes.
 */
export function trackConsumerLag(registry: Registry, group: string, sample: PartitionLagSource) {
  let sampled = consumerLags.get(registry);
  if (!sampled) {
    const family = new Sampled<readonly PartitionLag[]>();
    consumerLags.set(registry, (sampled = family));
    new Gauge({
      name: 'kafka_consumer_lag_messages',
      help: "Messages after the consumer group's committed offset, by group, topic and partition",
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
      async collect() {
        const groups = await family.sample();
        this.reset();
        for (const [name, partitions] of groups) {
          for (const { topic, partition, messages } of partitions) {
            this.set({ group: name, topic, partition: String(partition) }, messages);
          }
        }
      },
    });
  }
  sampled.sources.set(group, sample);
}
