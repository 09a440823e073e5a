// The user service's pure domain: no framework, driver, clock or randomness (those come from the caller).
export * from './errors';
export * from './password-policy';
export * from './profile';
export * from './refresh-token';
export * from './user';
