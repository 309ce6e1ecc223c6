/**
 * Shapes of the API's JSON responses, one file per resource (each beside its request schemas);
 * the server's presenters produce exactly these, so tsc catches drift. This barrel keeps the old import path.
 */
export * from './auth.js';
export * from './common.js';
export * from './disks.js';
export * from './hosts.js';
export * from './images.js';
export * from './instance-states.js';
export * from './instances.js';
export * from './ipv4.js';
export * from './networks.js';
export * from './operations.js';
export * from './pools.js';
