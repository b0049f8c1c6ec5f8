import type { Queue } from 'bullmq';
import { failBatch, listActiveBatches } from '../core/batches/index.js';
import type { ProcessDeps, Redis } from '../runtime/deps.js';
import { BATCH_JOB_OPTIONS, type BatchJobData, batchJobId } from './batch-queue.js';

const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);
/** A batch whose job vanished more often than this is failed instead of resumed again. */
const MAX_RESUMES = 5;

export interface RecoveryResult {
  resumed: number[];
  failed: number[];
}

/**
 * Finds pending or running batches with no live job (Redis lost its data, a producer died between
 * creating the batch and queueing it, the job failed for good) and resumes them from their open
 * batch_items, or fails them with a reason. A job that is merely stalled (its worker was killed) is
 * BullMQ's to move back to waiting; this sweep is for work that disappeared altogether.
 */
export async function recoverBatches(
  deps: Pick<ProcessDeps, 'core' | 'log' | 'queuePrefix'>,
  queue: Queue<BatchJobData>,
  options: { graceMs: number; redis: Redis },
): Promise<RecoveryResult> {
  const out: RecoveryResult = { resumed: [], failed: [] };
  const now = deps.core.clock.now().getTime();
  for (const b of await listActiveBatches(deps.core)) {
    const log = deps.log.child({ batchId: b.id, niche: b.nicheName });
    const job = await queue.getJob(batchJobId(b.id));
    const state = job ? await job.getState() : 'missing';
    if (LIVE_STATES.has(state)) continue;
    if (state === 'failed') {
      const reason = `the batch job failed after ${job?.attemptsMade ?? 0} attempts: ${job?.failedReason ?? 'unknown error'}`;
      await failBatch(deps.core, b.id, reason);
      log.warn({ reason }, 'batch failed by recovery');
      out.failed.push(b.id);
      continue;
    }
    // Give a just-created batch time to be queued by whoever created it.
    if (now - b.createdAt.getTime() < options.graceMs) continue;
    const countKey = `${deps.queuePrefix}:recovery:resumes:${b.id}`;
    const resumes = await options.redis.incr(countKey);
    await options.redis.expire(countKey, 7 * 24 * 3600);
    if (resumes > MAX_RESUMES) {
      const reason = `its queued work vanished ${resumes - 1} times (Redis data lost or workers crashing)`;
      await failBatch(deps.core, b.id, reason);
      log.warn({ reason }, 'batch failed by recovery');
      out.failed.push(b.id);
      continue;
    }
    if (job) await job.remove().catch(() => {});
    await queue.add('batch', { batchId: b.id }, { ...BATCH_JOB_OPTIONS, jobId: batchJobId(b.id) });
    log.warn({ state, resumes }, 'batch had no live job; resumed from its open items');
    out.resumed.push(b.id);
  }
  return out;
}
