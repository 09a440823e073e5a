export * from './tokens';
export * from './readiness';
export * from './service-runtime.module';
export * from './clients';
export * from './bootstrap';
export * from './nest-logger';
export * from './repo-paths';
export * from './service-modules';
