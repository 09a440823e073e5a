export * from './event-schemas';
export * from './topics';
export * from './error-codes';
export * from './error-info';
