export { BATCHES_QUEUE, type BatchQueue, createBatchQueue } from './batch-queue.js';
export {
  type BatchWorkerDeps,
  type DeadProxyRetest,
  startWorker,
  type WorkerHandle,
  type WorkerOptions,
} from './batch-worker.js';
export {
  type SchedulerDeps,
  type SchedulerHandle,
  type SchedulerOptions,
  startScheduler,
} from './scheduler.js';
