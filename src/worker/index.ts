export { BATCHES_QUEUE, type BatchQueue, createBatchQueue } from './batch-queue.js';
export { startWorker, type WorkerDeps, type WorkerHandle } from './batch-worker.js';
export { type SchedulerHandle, type SchedulerOptions, startScheduler } from './scheduler.js';
