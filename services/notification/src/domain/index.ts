// The notification domain: plain TypeScript, no framework, driver, clock or I/O (layering.spec.ts checks).
export * from './payload';
export * from './notice';
export * from './meeting';
export * from './meeting-notice';
export * from './meeting-calendar';
export * from './meeting-reminder';
export * from './recipient';
export * from './local-time';
export * from './email-message';
export * from './delivery-policy';
export * from './reminder';
