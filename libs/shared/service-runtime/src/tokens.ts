/** Injection tokens shared by every service. */
export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
export const SERVICE_NAME = Symbol('SERVICE_NAME');
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
export const PG_POOL = Symbol('PG_POOL');
export const REDIS = Symbol('REDIS');
export const KAFKA = Symbol('KAFKA');
