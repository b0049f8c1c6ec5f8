import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullErrorLogger } from '../core/log-throttle.js';
import type { ProcessDeps } from '../runtime/deps.js';

export const BATCHES_QUEUE = 'batches';

export interface BatchJobData {
  batchId: number;
}

/** BullMQ job ids must not be plain integers; one id per batch makes enqueueing idempotent. */
export const batchJobId = (batchId: number) => `batch-${batchId}`;

export const BATCH_JOB_OPTIONS = {
  // A failure (e.g. the database away longer than the in-run retries) is retried; the run resumes from
  // the open batch_items, so a retry never repeats finished work.
  attempts: 5,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export interface BatchQueue {
  queue: Queue<BatchJobData>;
  /** Worker processes alive now (for "waiting: no worker is running"). */
  liveWorkers(): Promise<number>;
  /** Puts a batch on the queue (used as CommandServices.enqueueBatch); a second call is a no-op. */
  enqueueBatch(batchId: number): Promise<void>;
  close(): Promise<void>;
}

export type BatchQueueDeps = Pick<ProcessDeps, 'redis' | 'queuePrefix' | 'log'>;

export function createBatchQueue(deps: BatchQueueDeps): BatchQueue {
  const queue = new Queue<BatchJobData>(BATCHES_QUEUE, {
    connection: deps.redis('batches-producer'),
    prefix: deps.queuePrefix,
  });
  queue.on('error', bullErrorLogger(deps.log, 'batch queue'));
  let redis: Redis | undefined;
  return {
    queue,
    async liveWorkers() {
      redis ??= deps.redis('batches-liveness');
      return countLiveWorkers(redis, deps.queuePrefix);
    },
    async enqueueBatch(batchId: number) {
      await queue.add('batch', { batchId }, { ...BATCH_JOB_OPTIONS, jobId: batchJobId(batchId) });
    },
    close: () => queue.close(),
  };
}

/** Live worker processes announce themselves here (a sorted set scored by when the claim expires). */
const workersKey = (prefix: string) => `${prefix}:workers:alive`;

/** Keeps this process counted as a live worker until stopped (a 30 s claim renewed every 10 s). */
export function announceWorker(redis: Redis, prefix: string, id: string): () => void {
  const beat = () => void redis.zadd(workersKey(prefix), Date.now() + 30_000, id).catch(() => {});
  beat();
  const timer = setInterval(beat, 10_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    void redis.zrem(workersKey(prefix), id).catch(() => {});
  };
}

/** How many worker processes are alive (claims not expired). */
export async function countLiveWorkers(redis: Redis, prefix: string): Promise<number> {
  await redis.zremrangebyscore(workersKey(prefix), '-inf', Date.now());
  return redis.zcard(workersKey(prefix));
}
