export * from './bulk.js';
export * from './export-profiles.js';
export * from './list-profiles.js';
export * from './profile-counts.js';
export * from './show-profile.js';
