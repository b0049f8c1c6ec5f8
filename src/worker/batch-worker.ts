import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, type Job, Worker } from 'bullmq';
import type { StoryChecker } from '../checker/types.js';
import { type Batch, getBatch } from '../core/batches/index.js';
import { bullErrorLogger } from '../core/log-throttle.js';
import type { Logger } from '../core/logger.js';
import type { DeliveryProducer } from '../delivery/types.js';
import type { ProcessDeps } from '../runtime/deps.js';
import { publishProgress, relayBatchSummaries } from './batch-messages.js';
import { announceWorker, BATCHES_QUEUE, type BatchJobData, createBatchQueue } from './batch-queue.js';
import { type RunnerDeps, runBatch } from './batch-runner.js';
import { DEFAULT_LIMITS, GlobalLimits, type LimitOptions, LocalGate } from './limits.js';
import { recoverBatches } from './recovery.js';
import { type DeadProxyRetest, startSweeps } from './recovery-sweep.js';
import { SettingsCache } from './settings-cache.js';

export type { DeadProxyRetest } from './recovery-sweep.js';

export interface BatchWorkerDeps extends ProcessDeps {
  /** Batch progress and summaries go to the starting chat through it. */
  deliveries: DeliveryProducer;
  deadProxyRetest: DeadProxyRetest;
}

export interface WorkerOptions {
  checker: StoryChecker;
  /** Shorter windows and leases for tests; production uses the defaults. */
  limits?: Partial<LimitOptions>;
  /** Batches run at once by this process (each one's checks still share the global thread cap). */
  concurrency?: number;
  /** BullMQ lock: a killed worker's job is taken over after about this long. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  pollMs?: number;
  progressEveryMs?: number;
  settingsRefreshMs?: number;
  recoveryEveryMs?: number;
  /** How old a pending batch without a job must be before recovery queues it. */
  recoveryGraceMs?: number;
  /** A batch end waiting in the outbox this long is relayed by the sweep (the closer relays at once). */
  summaryRelayAfterMs?: number;
}

export interface WorkerHandle {
  worker: Worker<BatchJobData>;
  /** Stops taking work, lets in-flight checks finish and be recorded, hands running batches back. */
  close(): Promise<void>;
  /** One recovery sweep now, without the cross-process lock (the timed sweeps take it). */
  recoverNow(): Promise<{ resumed: number[]; failed: number[] }>;
}

export function startWorker(deps: BatchWorkerDeps, options: WorkerOptions): WorkerHandle {
  const log = deps.log.child({ role: 'worker' });
  const redis = deps.redis('batch-limits', { pipelined: true });
  const limits = new GlobalLimits(redis, deps.queuePrefix, { ...DEFAULT_LIMITS, ...options.limits });
  const runner: Omit<RunnerDeps, 'log' | 'onProgress'> = {
    core: deps.core,
    checker: options.checker,
    limits,
    gate: new LocalGate(),
    settings: new SettingsCache(deps.core, options.settingsRefreshMs ?? 10_000),
    pollMs: options.pollMs ?? 1_000,
    progressEveryMs: options.progressEveryMs ?? 3_000,
  };
  const batchQueue = createBatchQueue(deps);
  const shutdown = new AbortController();
  const processor = batchProcessor(deps, runner, log, shutdown.signal);
  const unannounce = announceWorker(
    redis,
    deps.queuePrefix,
    `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  );
  const worker = openWorker(deps, options, processor, log);
  const recoverNow = () =>
    recoverBatches(deps, batchQueue.queue, { graceMs: options.recoveryGraceMs ?? 60_000, redis });
  const stopSweeps = startSweeps({
    deps,
    redis,
    log,
    everyMs: options.recoveryEveryMs ?? 30_000,
    summaryRelayAfterMs: options.summaryRelayAfterMs ?? 10_000,
    recoverNow,
  });

  let closing: Promise<void> | undefined;
  return {
    worker,
    recoverNow,
    close() {
      closing ??= (async () => {
        stopSweeps();
        unannounce();
        shutdown.abort();
        await worker.close();
        limits.close();
        await batchQueue.close();
      })();
      return closing;
    },
  };
}

type Processor = (job: Job<BatchJobData>, token?: string) => Promise<string>;

/** Runs a batch job through runBatch, then hands the batch's summary to the delivery queue. */
function batchProcessor(
  deps: BatchWorkerDeps,
  runner: Omit<RunnerDeps, 'log' | 'onProgress'>,
  log: Logger,
  shutdown: AbortSignal,
): Processor {
  const running = new Map<number, Promise<unknown>>();
  return async (job, token) => {
    const { batchId } = job.data;
    // Recovery may queue a batch again while this process still runs it (Redis lost the first job).
    const already = running.get(batchId);
    if (already) {
      await already.catch(() => {});
      return 'joined';
    }
    const onProgress = (b: Batch) => publishProgress(deps, b);
    const run = runBatch({ ...runner, log: log.child({ jobId: job.id }), onProgress }, batchId, shutdown);
    running.set(batchId, run);
    try {
      const end = await run;
      if (end === 'stopped') {
        // Shutting down mid-batch: give the job back so the next worker resumes it right away.
        await job.moveToDelayed(Date.now() + 1_000, token);
        throw new DelayedError();
      }
      const b = await getBatch(deps.core, batchId);
      // The summary was put in the outbox with the close; hand it over now (the sweep would later).
      if (end === 'finished' && b)
        await relayBatchSummaries(deps, { batchId }).catch((err: unknown) =>
          log.warn({ batchId, err }, 'summary left for the next sweep'),
        );
      return b?.status ?? end;
    } finally {
      running.delete(batchId);
    }
  };
}

function openWorker(
  deps: Pick<ProcessDeps, 'redis' | 'queuePrefix'>,
  options: WorkerOptions,
  processor: Processor,
  log: Logger,
): Worker<BatchJobData> {
  const worker = new Worker<BatchJobData>(BATCHES_QUEUE, processor, {
    connection: deps.redis('batches-worker'),
    prefix: deps.queuePrefix,
    concurrency: options.concurrency ?? 10,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    // A batch is safe to resume any number of times (idempotent items), so stalls must not fail it.
    maxStalledCount: 100,
  });
  worker.on('error', bullErrorLogger(log, 'batch worker'));
  worker.on('failed', (job, err) => {
    if (err instanceof DelayedError) return;
    log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err }, 'batch job failed');
  });
  return worker;
}
