export * from './parse-proxy.js';
export * from './proxy-store.js';
