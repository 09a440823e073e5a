export * from './kafka';
export * from './relay';
export * from './relay-message';
export { ensureRelayCheckpointTable, loadRelayCheckpoint, storeRelayCheckpoint } from './relay-checkpoint';
export * from './envelope';
export * from './backoff';
export * from './inbox';
