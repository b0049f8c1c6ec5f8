export * from './config.js';
export * from './defaults.js';
