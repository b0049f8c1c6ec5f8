import type { CommandServices } from '../bot/commands/types.js';
import { checkerOptionsFromEnv, instagramTools } from '../checker/index.js';
import { lazyProxyBudget, proxyTester } from '../checker/test-proxies.js';
import { panelBaseUrl } from '../web/index.js';
import { type BatchQueue, createBatchQueue } from '../worker/batch-queue.js';
import { nextAutoRun, nextAutoSlot } from '../worker/scheduler.js';
import { deliverCheckerAlert } from './alerts.js';
import type { AppContext } from './context.js';
import { pingRedis, redisHint, untilReachable } from './wait-for-services.js';

type RedisConn = ReturnType<AppContext['redis']>;

/** One Redis connection of this app, opened at first use and reused. */
export function redisOnce(app: AppContext, name: string): () => Promise<RedisConn> {
  let conn: RedisConn | undefined;
  return async () => {
    conn ??= app.redis(name, { pipelined: true });
    return conn;
  };
}

/** The doctor and route health for a process of this app (alerts go to the digest chats). */
export function appInstagramTools(app: AppContext, redis: () => Promise<RedisConn>) {
  return instagramTools({
    core: app.core,
    redis,
    options: {
      ...checkerOptionsFromEnv(app.env),
      onAlert: (alert) => void deliverCheckerAlert(app, alert).catch(() => {}),
    },
  });
}

export interface CommandServiceOptions {
  /**
   * Check that Redis answers (within this long) before its first use, and fail the command if not:
   * the console's choice, since a shell user wants the reason now and BullMQ's connections would
   * retry forever. Everything that needs Redis then opens at first use, so the commands that need
   * only Postgres work (and exit at once) without it. Unset (the bot role): connections as usual.
   */
  redisCheckMs?: number;
}

/**
 * The one builder of the CommandServices every front-end passes to `dispatch` (the bot role and the
 * console): batches go on the worker's queue (a worker anywhere runs them) and proxies are tested from
 * this machine, within the checker's per-proxy budget. `close` releases the queue's connection.
 */
export function createCommandServices(
  app: AppContext,
  options: CommandServiceOptions = {},
): { services: CommandServices; close(): Promise<void> } {
  const reachable = redisCheck(app, options.redisCheckMs);
  const tools = redisOnce(app, 'instagram-tools');
  const redis = async () => {
    await reachable();
    return tools();
  };
  let batches: BatchQueue | undefined =
    options.redisCheckMs === undefined ? createBatchQueue(app) : undefined;
  const batchQueue = async () => {
    await reachable();
    batches ??= createBatchQueue(app);
    return batches;
  };
  const instagram = appInstagramTools(app, redis);
  const services: CommandServices = {
    instagramDoctor: instagram.instagramDoctor,
    instagramRoutes: instagram.instagramRoutes,
    nextAutoRun: async () => nextAutoRun(await redis(), app.queuePrefix, app.core.clock.now()),
    nextAutoBatch: async () => nextAutoSlot(await redis(), app.queuePrefix, app.core.clock.now()),
    allowDirect: app.env.ALLOW_DIRECT,
    ...optionalPanelUrl(app),
    timeZone: app.env.STORYWATCH_TIMEZONE,
    enqueueBatch: async (batchId) => (await batchQueue()).enqueueBatch(batchId),
    liveWorkers: async () => (await batchQueue()).liveWorkers(),
    testProxies: proxyTester(app.core, {
      instagramUrl: app.env.INSTAGRAM_WEB_URL,
      timeoutMs: app.env.CHECK_TIMEOUT_MS,
      budget: lazyProxyBudget(async () => {
        await reachable();
        return app.redis('proxy-test');
      }, app.env),
    }),
  };
  return { services, close: async () => batches?.close() };
}

/** Where `panel` links point (STORYWATCH_PUBLIC_URL, else HTTP_HOST:HTTP_PORT); absent when HTTP_PORT=0. */
function optionalPanelUrl(app: AppContext): { panelUrl?: string } {
  const url = panelBaseUrl(app.env.STORYWATCH_PUBLIC_URL, app.env.HTTP_HOST, app.env.HTTP_PORT);
  return url ? { panelUrl: url } : {};
}

/** Resolves once Redis answered (checked at most once), or at once when no check is asked for. */
function redisCheck(app: AppContext, timeoutMs: number | undefined): () => Promise<void> {
  if (timeoutMs === undefined) return async () => {};
  let answered = false;
  return async () => {
    if (answered) return;
    const url = app.env.REDIS_URL;
    await untilReachable('Redis', () => pingRedis(url), redisHint(url), { log: app.log, timeoutMs });
    answered = true;
  };
}
