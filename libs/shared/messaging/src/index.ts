export * from './kafka';
export * from './relay';
export * from './relay-message';
export * from './envelope';
export * from './inbox';
export * from './outbox-lag';
export * from './publish-span';
export * from './table-outbox-relay';
