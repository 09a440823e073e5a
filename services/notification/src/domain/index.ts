// The notification domain: plain TypeScript, no framework, driver, clock or I/O (layering.spec.ts checks).
export * from './payload';
export * from './notice';
export * from './recipient';
export * from './local-time';
export * from './email-message';
export * from './delivery-policy';
export * from './reminder';
