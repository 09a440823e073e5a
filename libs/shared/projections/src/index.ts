export {
  checkpointMoved,
  compareAndStoreCheckpoint,
  compareAndStoreCheckpointSql,
  ensureCheckpointTable,
  loadCheckpoint,
  storeCheckpoint,
  storeCheckpointSql,
  resetCheckpoint,
} from './checkpoints';
export {
  ProjectionRunner,
  ProjectionFailed,
  type Projection,
  type ProjectionContext,
  type ProjectionLogger,
  type ProjectionRunnerOptions,
  type ProjectionState,
  type ProjectionStatus,
} from './projection-runner';
export {
  upsertIfNewer,
  versionedUpsertStatement,
  type VersionedUpsert,
  type SqlStatement,
} from './versioned-upsert';
export { isTransientDatabaseError, quoteIdent, quoteQualified, type Queryable } from './sql';
export { acquireLease, type Lease, type LeaseOptions } from './leadership';
export { eventStoreLag, LAG_COUNT_LIMIT } from './lag';
