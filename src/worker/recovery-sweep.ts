import { lazyProxyBudget, retestDeadProxies } from '../checker/test-proxies.js';
import { throttledWarn } from '../core/log-throttle.js';
import type { Logger } from '../core/logger.js';
import type { DeliveryProducer } from '../delivery/types.js';
import type { ProcessDeps, Redis } from '../runtime/deps.js';
import { relayBatchSummaries } from './batch-messages.js';
import type { RecoveryResult } from './recovery.js';

/**
 * How the sweep retests dead proxies: where the test requests go (INSTAGRAM_WEB_URL), how long each
 * may take (CHECK_TIMEOUT_MS), and the per-proxy budget they take their slot from, the checker's
 * (PROXY_REQUESTS_PER_MINUTE).
 */
export interface DeadProxyRetest {
  instagramUrl: string;
  timeoutMs: number;
  proxyRequestsPerMinute: number;
}

export interface SweepInput {
  deps: Pick<ProcessDeps, 'core' | 'queuePrefix'> & {
    deliveries: DeliveryProducer;
    deadProxyRetest: DeadProxyRetest;
  };
  redis: Redis;
  log: Logger;
  everyMs: number;
  summaryRelayAfterMs: number;
  recoverNow(): Promise<RecoveryResult>;
}

/**
 * Every `everyMs`: recovers batches whose job vanished, retests dead proxies that are due, and relays
 * batch ends left in the outbox. Returns the stopper.
 */
export function startSweeps(input: SweepInput): () => void {
  const warn = throttledWarn(input.log);
  const timer = setInterval(() => {
    sweep(input).catch((err: unknown) => warn('sweep', { err }, 'recovery sweep failed'));
  }, input.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Timed sweeps run in one process at a time; the lock expires on its own if this process dies. */
async function sweep(input: SweepInput): Promise<void> {
  const { deps, redis, log } = input;
  const lockKey = `${deps.queuePrefix}:recovery:lock`;
  const got = await redis.set(lockKey, String(process.pid), 'PX', Math.max(1_000, input.everyMs - 500), 'NX');
  if (!got) return;
  await input.recoverNow();
  const { instagramUrl, timeoutMs, proxyRequestsPerMinute } = deps.deadProxyRetest;
  const budget = lazyProxyBudget(() => redis, {
    QUEUE_PREFIX: deps.queuePrefix,
    PROXY_REQUESTS_PER_MINUTE: proxyRequestsPerMinute,
  });
  await retestDeadProxies(deps.core, { instagramUrl, timeoutMs, budget });
  const relayed = await relayBatchSummaries(deps, { olderThanMs: input.summaryRelayAfterMs });
  if (relayed > 0) log.info({ relayed }, 'batch summaries relayed from the outbox');
}
