export * from './parse-cookies.js';
export * from './session-store.js';
