/**
 * Request schemas shared by the API (validation at the edge) and the UI (forms), one file per
 * resource; this barrel keeps the old import path. Messages are sentences a user can act on.
 */
export * from './auth.js';
export * from './common.js';
export * from './disks.js';
export * from './hosts.js';
export * from './images.js';
export * from './instances.js';
export * from './networks.js';
export * from './pools.js';
export * from './lists.js';
