import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, type Job, Worker } from 'bullmq';
import type { AppContext } from '../app/context.js';
import { lazyProxyBudget, retestDeadProxies } from '../checker/test-proxies.js';
import type { StoryChecker } from '../checker/types.js';
import { getBatch } from '../core/batches/index.js';
import { bullErrorLogger, throttledWarn } from '../core/log-throttle.js';
import { publishProgress, relayBatchSummaries } from './batch-messages.js';
import { announceWorker, BATCHES_QUEUE, type BatchJobData, createBatchQueue } from './batch-queue.js';
import { runBatch } from './batch-runner.js';
import { DEFAULT_LIMITS, GlobalLimits, type LimitOptions, LocalGate } from './limits.js';
import { recoverBatches } from './recovery.js';
import { SettingsCache } from './settings-cache.js';

export interface WorkerDeps {
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

export function startWorker(app: AppContext, deps: WorkerDeps): WorkerHandle {
  const log = app.log.child({ role: 'worker' });
  const redis = app.redis('batch-limits', { pipelined: true });
  const limits = new GlobalLimits(redis, app.env.QUEUE_PREFIX, { ...DEFAULT_LIMITS, ...deps.limits });
  const gate = new LocalGate();
  const settings = new SettingsCache(app.core, deps.settingsRefreshMs ?? 10_000);
  const batchQueue = createBatchQueue(app);
  const shutdown = new AbortController();
  const running = new Map<number, Promise<unknown>>();

  const processor = async (job: Job<BatchJobData>, token?: string) => {
    const { batchId } = job.data;
    // Recovery may queue a batch again while this process still runs it (Redis lost the first job).
    const already = running.get(batchId);
    if (already) {
      await already.catch(() => {});
      return 'joined';
    }
    const run = runBatch(
      {
        core: app.core,
        checker: deps.checker,
        limits,
        gate,
        settings,
        log: log.child({ jobId: job.id }),
        pollMs: deps.pollMs ?? 1_000,
        progressEveryMs: deps.progressEveryMs ?? 3_000,
        onProgress: async (b) => {
          await job.updateProgress({ checked: b.checked, requested: b.requested, stories: b.stories });
          await publishProgress(app, b);
        },
      },
      batchId,
      shutdown.signal,
    );
    running.set(batchId, run);
    try {
      const end = await run;
      if (end === 'stopped') {
        // Shutting down mid-batch: give the job back so the next worker resumes it right away.
        await job.moveToDelayed(Date.now() + 1_000, token);
        throw new DelayedError();
      }
      const b = await getBatch(app.core, batchId);
      // The summary was put in the outbox with the close; hand it over now (the sweep would later).
      if (end === 'finished' && b)
        await relayBatchSummaries(app, { batchId }).catch((err: unknown) =>
          log.warn({ batchId, errMessage: (err as Error).message }, 'summary left for the next sweep'),
        );
      return b?.status ?? end;
    } finally {
      running.delete(batchId);
    }
  };

  const unannounce = announceWorker(
    redis,
    app.env.QUEUE_PREFIX,
    `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  );
  const worker = new Worker<BatchJobData>(BATCHES_QUEUE, processor, {
    connection: app.redis('batches-worker'),
    prefix: app.env.QUEUE_PREFIX,
    concurrency: deps.concurrency ?? 10,
    lockDuration: deps.lockDurationMs ?? 30_000,
    stalledInterval: deps.stalledIntervalMs ?? 30_000,
    // A batch is safe to resume any number of times (idempotent items), so stalls must not fail it.
    maxStalledCount: 100,
  });
  worker.on('error', bullErrorLogger(log, 'batch worker'));
  worker.on('failed', (job, err) => {
    if (err instanceof DelayedError) return;
    log.warn({ jobId: job?.id, attempts: job?.attemptsMade, errMessage: err.message }, 'batch job failed');
  });

  const recoveryEveryMs = deps.recoveryEveryMs ?? 30_000;
  const recoverNow = () =>
    recoverBatches(app, batchQueue.queue, { graceMs: deps.recoveryGraceMs ?? 60_000, redis });
  // Timed sweeps run in one process at a time; the lock expires on its own if this process dies.
  const sweep = async () => {
    const lockKey = `${app.env.QUEUE_PREFIX}:recovery:lock`;
    const got = await redis.set(
      lockKey,
      String(process.pid),
      'PX',
      Math.max(1_000, recoveryEveryMs - 500),
      'NX',
    );
    if (got) {
      await recoverNow();
      const retest = { instagramUrl: app.env.INSTAGRAM_WEB_URL, timeoutMs: app.env.CHECK_TIMEOUT_MS };
      await retestDeadProxies(app.core, { ...retest, budget: lazyProxyBudget(() => redis, app.env) });
      const relayed = await relayBatchSummaries(app, { olderThanMs: deps.summaryRelayAfterMs ?? 10_000 });
      if (relayed > 0) log.info({ relayed }, 'batch summaries relayed from the outbox');
    }
  };
  const sweepWarn = throttledWarn(log);
  const recoveryTimer = setInterval(() => {
    sweep().catch((err: unknown) =>
      sweepWarn('sweep', { errMessage: (err as Error).message }, 'recovery sweep failed'),
    );
  }, recoveryEveryMs);
  recoveryTimer.unref();

  let closing: Promise<void> | undefined;
  return {
    worker,
    recoverNow,
    close() {
      closing ??= (async () => {
        clearInterval(recoveryTimer);
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
