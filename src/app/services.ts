import type { CommandServices } from '../bot/commands/types.js';
import { checkerOptionsFromEnv, instagramTools } from '../checker/index.js';
import { lazyProxyBudget, type ProxyTestReport, proxyTester } from '../checker/test-proxies.js';
import { createBatchQueue } from '../worker/batch-queue.js';
import { nextAutoRun } from '../worker/scheduler.js';
import { deliverCheckerAlert } from './alerts.js';
import type { AppContext } from './context.js';

/** The long-running pieces the commands can reach, as far as this process has them. */
export interface ServiceSources {
  /** The batch queue's producer (any role can enqueue; a worker anywhere will run it). */
  enqueueBatch?: (batchId: number) => Promise<void>;
  /** The checker's proxy tester. */
  testProxies?: (proxyId?: number) => Promise<ProxyTestReport>;
  /** ALLOW_DIRECT, so batch commands know a batch may start without a usable proxy. */
  allowDirect?: boolean;
  instagram?: Pick<CommandServices, 'instagramDoctor' | 'instagramRoutes'>;
  liveWorkers?: () => Promise<number>;
  nextAutoRun?: () => Promise<string>;
}

/** One Redis connection of this app, opened at first use and reused. */
export function redisOnce(app: AppContext, name: string): () => Promise<ReturnType<AppContext['redis']>> {
  let conn: ReturnType<AppContext['redis']> | undefined;
  return async () => {
    conn ??= app.redis(name, { pipelined: true });
    return conn;
  };
}

/** The doctor and route health for a process of this app (alerts go to the digest chats). */
export function appInstagramTools(app: AppContext, redis: () => Promise<ReturnType<AppContext['redis']>>) {
  return instagramTools({
    core: app.core,
    redis,
    options: {
      ...checkerOptionsFromEnv(app.env),
      onAlert: (alert) => void deliverCheckerAlert(app, alert).catch(() => {}),
    },
  });
}

/**
 * Builds the CommandServices every front-end passes to `dispatch`. A service left undefined makes the
 * command that needs it answer that this process cannot do it, instead of failing obscurely.
 */
export function buildCommandServices(sources: ServiceSources): CommandServices {
  const services: CommandServices = {};
  if (sources.enqueueBatch) services.enqueueBatch = sources.enqueueBatch;
  if (sources.testProxies) services.testProxies = sources.testProxies;
  if (sources.allowDirect !== undefined) services.allowDirect = sources.allowDirect;
  if (sources.instagram?.instagramDoctor) services.instagramDoctor = sources.instagram.instagramDoctor;
  if (sources.instagram?.instagramRoutes) services.instagramRoutes = sources.instagram.instagramRoutes;
  if (sources.liveWorkers) services.liveWorkers = sources.liveWorkers;
  if (sources.nextAutoRun) services.nextAutoRun = sources.nextAutoRun;
  return services;
}

/**
 * The services any process that takes commands needs (the bot role, the console): batches go on the
 * worker's queue (a worker anywhere runs them) and proxies are tested from this machine. `close`
 * releases the queue's Redis connection.
 */
export function createCommandServices(app: AppContext): {
  services: CommandServices;
  close(): Promise<void>;
} {
  const batchQueue = createBatchQueue(app);
  const redis = redisOnce(app, 'instagram-tools');
  const services = buildCommandServices({
    instagram: appInstagramTools(app, redis),
    nextAutoRun: async () => nextAutoRun(await redis(), app.env.QUEUE_PREFIX, app.core.clock.now()),
    allowDirect: app.env.ALLOW_DIRECT,
    enqueueBatch: (batchId) => batchQueue.enqueueBatch(batchId),
    liveWorkers: () => batchQueue.liveWorkers(),
    // From this machine, within the checker's per-proxy budget (its Redis connection opens at first use).
    testProxies: proxyTester(app.core, {
      instagramUrl: app.env.INSTAGRAM_WEB_URL,
      timeoutMs: app.env.CHECK_TIMEOUT_MS,
      budget: lazyProxyBudget(() => app.redis('proxy-test'), app.env),
    }),
  });
  return { services, close: () => batchQueue.close() };
}
