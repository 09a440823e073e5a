export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store';
export { appendEvents, type Queryable } from './append';
export { migrate } from './migrations';
