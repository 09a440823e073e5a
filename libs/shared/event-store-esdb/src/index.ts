export { EsdbEventStore, SNAPSHOT_STREAM_PREFIX } from './esdb-event-store';
export { streamNameRegex, toCheckpoint, toExpectedRevision, toPosition, toStreamState } from './mapping';
