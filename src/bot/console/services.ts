import { deliverCheckerAlert } from '../../app/alerts.js';
import type { AppContext } from '../../app/context.js';
import { buildCommandServices } from '../../app/services.js';
import { pingRedis, redisHint, untilReachable } from '../../app/wait-for-services.js';
import { checkerOptionsFromEnv, instagramTools } from '../../checker/index.js';
import { lazyProxyBudget, proxyTester } from '../../checker/test-proxies.js';
import { type BatchQueue, createBatchQueue } from '../../worker/batch-queue.js';
import { nextAutoRun } from '../../worker/scheduler.js';
import type { CommandServices } from '../commands/types.js';

export interface ConsoleServices {
  services: CommandServices;
  close(): Promise<void>;
}

/**
 * The console's services: batches go on the worker's queue (a worker anywhere runs them) and proxies
 * are tested from this machine. The queue's Redis connection opens only when a command enqueues, so
 * the commands that need only Postgres work (and exit at once) without Redis.
 */
export function consoleServices(app: AppContext): ConsoleServices {
  let batches: BatchQueue | undefined;
  let redis: ReturnType<AppContext['redis']> | undefined;
  const reachRedis = async () => {
    if (!redis) {
      await untilReachable('Redis', () => pingRedis(app.env.REDIS_URL), redisHint(app.env.REDIS_URL), {
        log: app.log,
        timeoutMs: 5_000,
      });
      redis = app.redis('instagram-tools', { pipelined: true });
    }
    return redis;
  };
  const services = buildCommandServices({
    instagram: instagramTools({
      core: app.core,
      redis: reachRedis,
      options: {
        ...checkerOptionsFromEnv(app.env),
        onAlert: (alert) => void deliverCheckerAlert(app, alert).catch(() => {}),
      },
    }),
    enqueueBatch: async (batchId) => {
      // The queue's connection retries forever (BullMQ); a dead Redis must fail this command instead.
      if (!batches)
        await untilReachable('Redis', () => pingRedis(app.env.REDIS_URL), redisHint(app.env.REDIS_URL), {
          log: app.log,
          timeoutMs: 5_000,
        });
      batches ??= createBatchQueue(app);
      await batches.enqueueBatch(batchId);
    },
    // From this machine, within the checker's per-proxy budget (Redis reached at first use).
    testProxies: proxyTester(app.core, {
      instagramUrl: app.env.INSTAGRAM_WEB_URL,
      timeoutMs: app.env.CHECK_TIMEOUT_MS,
      budget: lazyProxyBudget(reachRedis, app.env),
    }),
    allowDirect: app.env.ALLOW_DIRECT,
    nextAutoRun: async () => nextAutoRun(await reachRedis(), app.env.QUEUE_PREFIX, app.core.clock.now()),
    liveWorkers: async () => {
      await reachRedis();
      batches ??= createBatchQueue(app);
      return batches.liveWorkers();
    },
  });
  return {
    services,
    close: async () => {
      await batches?.close();
    },
  };
}
