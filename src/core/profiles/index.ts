export * from './bulk.js';
export * from './list-profiles.js';
