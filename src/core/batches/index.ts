export * from './create-batch.js';
export * from './lifecycle.js';
export * from './queries.js';
export * from './record-result.js';
export * from './summary.js';
export * from './types.js';
