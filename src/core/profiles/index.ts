export * from './bulk.js';
export * from './list-profiles.js';
export * from './profile-counts.js';
