import type { Checkpoint, EventStore, EventTypeFilter } from '@roomledger/event-store';

/** Most events counted per lag sample: a follower this far behind reports this many ("at least"). */
export const LAG_COUNT_LIMIT = 10_000;

/**
 * How far `from` is behind the store in `categories` (only `eventTypes` of those it names): the events
 * after it (at most {@link LAG_COUNT_LIMIT}) and the age of the first of them. Caught up, it is one read
 * that finds nothing.
 */
export async function eventStoreLag(
  store: Pick<EventStore, 'readAll'>,
  from: Checkpoint | undefined,
  categories: readonly string[] | undefined,
  eventTypes?: EventTypeFilter,
  now: Date = new Date(),
): Promise<{ events: number; seconds: number }> {
  let events = 0;
  let oldest: Date | undefined;
  for await (const event of store.readAll({
    from,
    categories,
    eventTypes,
    limit: LAG_COUNT_LIMIT,
    batchSize: 1_000,
  })) {
    oldest ??= event.createdAt;
    events += 1;
  }
  return { events, seconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0 };
}
