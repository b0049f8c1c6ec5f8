import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { bullErrorLogger } from '../core/log-throttle.js';
import { maskSecrets } from '../core/mask.js';
import type { ProcessDeps } from '../runtime/deps.js';
import { claimDelivery } from './claim.js';
import type { DeliveryWorkerContext } from './job-context.js';
import { markFailed, recordFailure, recordSent } from './record.js';
import { sendFollowingMove } from './send.js';
import { type ChatPlatform, type ChatSender, DELIVERIES_QUEUE, type Delivery } from './types.js';

export interface DeliveryWorkerHandle {
  worker: Worker<Delivery>;
  close(): Promise<void>;
}

export interface DeliveryWorkerOptions {
  concurrency?: number;
  /** How long an unreachable platform is waited for before each retry (exponential, capped). */
  unreachableBackoff?: { baseMs: number; capMs: number };
}

/** One job: claim it, send it (following a moved chat), record how it went. */
async function deliver(ctx: DeliveryWorkerContext, job: Job<Delivery>, token?: string): Promise<string> {
  const d = job.data;
  const log = ctx.log.child({ jobId: job.id, platform: d.target.platform, chatId: d.target.chatId });
  const sender = ctx.senders[d.target.platform];
  // A front-end configured but still connecting answers "not connected yet": unreachable, it waits.
  if (!sender) {
    const message = `${d.target.platform} is not configured in this process`;
    await markFailed(ctx.deps.core, d, message);
    throw new UnrecoverableError(message);
  }
  const claim = await claimDelivery(ctx, d, log);
  if (claim.skip) return claim.skip;
  try {
    const messageId = await sendFollowingMove(ctx, d, sender, claim.replaceMessageId, log);
    await recordSent(ctx, job, claim.refKey, messageId);
    log.info({ messageId }, 'delivered');
    return messageId;
  } catch (err) {
    return recordFailure(ctx, job, token, err, log);
  }
}

/**
 * The bot role's consumer. 429 waits the platform's retry_after without using an attempt, other
 * failures back off exponentially, and a permanent refusal disables the target and stops retrying.
 */
export function startDeliveryWorker(
  deps: ProcessDeps,
  senders: Partial<Record<ChatPlatform, ChatSender>>,
  options: DeliveryWorkerOptions = {},
): DeliveryWorkerHandle {
  const ctx: DeliveryWorkerContext = {
    deps,
    senders,
    redis: deps.redis('delivery-refs'),
    log: deps.log.child({ role: 'deliveries' }),
    unreachableBackoff: options.unreachableBackoff ?? { baseMs: 2_000, capMs: 5 * 60_000 },
  };
  const worker = new Worker<Delivery>(DELIVERIES_QUEUE, (job, token) => deliver(ctx, job, token), {
    connection: deps.redis('deliveries-worker'),
    prefix: deps.queuePrefix,
    concurrency: options.concurrency ?? 4,
  });
  worker.on('error', bullErrorLogger(ctx.log, 'delivery worker'));
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1) && !(err instanceof UnrecoverableError)) {
      markFailed(deps.core, job.data, maskSecrets(err.message)).catch((markErr: unknown) =>
        ctx.log.warn({ err: markErr }, 'could not mark a delivery failed'),
      );
    }
  });
  return {
    worker,
    async close() {
      await worker.close();
      await ctx.redis.quit().catch(() => {});
    },
  };
}
