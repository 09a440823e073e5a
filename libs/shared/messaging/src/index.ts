export * from './kafka';
export * from './relay';
export * from './relay-message';
export * from './envelope';
export * from './inbox';
