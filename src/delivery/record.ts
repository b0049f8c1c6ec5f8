import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { markDeliveryAttemptFailed, markDeliveryFailed, markDeliverySent } from '../core/deliveries.js';
import { disableTarget } from '../core/delivery-targets.js';
import type { CoreDeps } from '../core/deps.js';
import { recordEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import { maskSecrets } from '../core/mask.js';
import type { DeliveryWorkerContext } from './job-context.js';
import { deliveryOutcome, unreachableDelayMs } from './outcome.js';
import { MESSAGE_REF_TTL_S } from './progress.js';
import type { Delivery, PermanentDeliveryError, RetryAfterError } from './types.js';

/** Progress edits have no outbox row: only the others are marked. */
export async function markFailed(core: CoreDeps, d: Delivery, message: string): Promise<void> {
  if (d.replaceKey) return;
  await markDeliveryFailed(core, d.dedupeKey, message);
}

/** Later edits land on the message just sent; a delivery with an outbox row is never sent again. */
export async function recordSent(
  ctx: DeliveryWorkerContext,
  job: Job<Delivery>,
  refKey: string | undefined,
  messageId: string,
): Promise<void> {
  const d = job.data;
  if (refKey) await ctx.redis.set(refKey, messageId, 'EX', MESSAGE_REF_TTL_S);
  if (!d.replaceKey) await markDeliverySent(ctx.deps.core, d.dedupeKey, job.attemptsMade + 1);
}

/** Puts the job back in the queue for `delayMs` without using an attempt. */
async function delayJob(job: Job<Delivery>, token: string | undefined, delayMs: number): Promise<never> {
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}

/** Not the delivery's fault: wait and try again, as long as it takes, without using an attempt. */
async function waitForPlatform(
  ctx: DeliveryWorkerContext,
  job: Job<Delivery>,
  token: string | undefined,
  err: unknown,
  log: Logger,
): Promise<never> {
  const tries = (job.data.unreachableTries ?? 0) + 1;
  const { baseMs, capMs } = ctx.unreachableBackoff;
  const delayMs = unreachableDelayMs(tries - 1, baseMs, capMs);
  if (tries === 1 || tries % 10 === 0) {
    log.warn({ err, tries, retryInMs: delayMs }, 'platform unreachable; delivery waits');
  }
  await job.updateData({ ...job.data, unreachableTries: tries });
  return delayJob(job, token, delayMs);
}

/** Refused for good (403, chat gone): the target is disabled, said in the event log, never retried. */
async function disableRefusingTarget(
  ctx: DeliveryWorkerContext,
  d: Delivery,
  err: PermanentDeliveryError,
  message: string,
  log: Logger,
): Promise<never> {
  const { core } = ctx.deps;
  await disableTarget(core, d.target, message);
  await markFailed(core, d, message);
  await recordEvent(core, {
    kind: 'delivery',
    level: 'warn',
    message: `Disabled ${d.target.platform} chat ${d.target.chatId}: ${message}`,
    data: { platform: d.target.platform, chatId: d.target.chatId, status: err.status },
  });
  log.warn({ err }, 'target refused for good; disabled');
  throw new UnrecoverableError(message);
}

/** Anything else: counted on the outbox row, and retried with backoff while attempts last. */
async function retryLater(
  ctx: DeliveryWorkerContext,
  job: Job<Delivery>,
  err: unknown,
  message: string,
  log: Logger,
): Promise<never> {
  log.warn({ err, attempt: job.attemptsMade + 1 }, 'delivery failed; will retry');
  if (!job.data.replaceKey) await markDeliveryAttemptFailed(ctx.deps.core, job.data.dedupeKey, message);
  throw new Error(message);
}

/** What a failed send means for the job, by `deliveryOutcome`: it waits, is dropped, or is retried. */
export async function recordFailure(
  ctx: DeliveryWorkerContext,
  job: Job<Delivery>,
  token: string | undefined,
  err: unknown,
  log: Logger,
): Promise<never> {
  // Stored and thrown messages go to the database and BullMQ, past the logger's masking.
  const message = maskSecrets(err instanceof Error ? err.message : String(err));
  switch (deliveryOutcome(err)) {
    case 'retry_after': {
      const { retryAfterMs } = err as RetryAfterError;
      log.warn({ retryAfterMs }, 'rate limited by the platform; waiting as told');
      return delayJob(job, token, retryAfterMs);
    }
    case 'unreachable':
      return waitForPlatform(ctx, job, token, err, log);
    case 'refused':
      return disableRefusingTarget(ctx, job.data, err as PermanentDeliveryError, message, log);
    case 'moved':
    case 'failed':
      return retryLater(ctx, job, err, message, log);
  }
}
