export * from './by-batch.js';
export * from './results-window.js';
