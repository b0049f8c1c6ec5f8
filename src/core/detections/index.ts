export * from './results-window.js';
