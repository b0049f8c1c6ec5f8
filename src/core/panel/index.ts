export * from './panel-auth.js';
