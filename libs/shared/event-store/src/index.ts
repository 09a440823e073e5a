export * from './checkpoint';
export * from './errors';
export * from './event';
export * from './event-id';
export * from './event-store';
export * from './expected-state';
export * from './push-subscription';
export * from './validation';
