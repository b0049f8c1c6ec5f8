import type { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import type { CoreDeps } from '../core/deps.js';
import type { CheckerAlert } from './alerts.js';
import { ConfigCache } from './config-cache.js';
import { type DoctorReport, runDoctor } from './doctor.js';
import { HealthRecorder } from './health-recorder.js';
import { ProxyPool } from './proxy-pool.js';
import { RateBudget } from './rate-budget.js';
import { RouteHealth, type RouteHealthOptions, type RouteView, readRouteView } from './route-health.js';
import { RouteRunner } from './route-runner.js';
import { SessionPool } from './session-pool.js';
import { InstagramStoryChecker } from './story-checker.js';
import type { StoryChecker, StoryCheckerExtras } from './types.js';
import { Witnesses } from './witnesses.js';

export { type DoctorReport, runDoctor } from './doctor.js';
export { type RouteView, readRouteView } from './route-health.js';
export { testProxies } from './test-proxies.js';
export type * from './types.js';

export interface StoryCheckerOptions {
  /** INSTAGRAM_WEB_URL. */
  instagramUrl: string;
  /** ALLOW_DIRECT: the server's own address is used when no operator proxy is ready. */
  allowDirect: boolean;
  /** PROXY_REQUESTS_PER_MINUTE: requests per proxy per window (the window is a minute unless set). */
  requestsPerMinute: number;
  budgetWindowMs?: number;
  /** Random variation of each proxy's spacing (default 0.3, i.e. +-30 %); 0 spaces requests exactly. */
  budgetJitter?: number;
  /** CHECK_TIMEOUT_MS per request. */
  timeoutMs: number;
  /** Redis key prefix for budgets, e.g. `${QUEUE_PREFIX}:checker`. */
  keyPrefix: string;
  maxRetries?: number;
  cooldownBaseMs?: number;
  cooldownMaxMs?: number;
  acquireTimeoutMs?: number;
  healthFlushMs?: number;
  refreshMs?: number;
  /** Route health timings (suspension window and lengths); tests shorten them. */
  routeHealth?: Partial<RouteHealthOptions>;
  onAlert?: (alert: CheckerAlert) => void;
}

export type RunningStoryChecker = StoryChecker &
  Required<StoryCheckerExtras> & {
    pool: ProxyPool;
    sessions: SessionPool;
    health: HealthRecorder;
    routes: RouteHealth;
    runner: RouteRunner;
    witnesses: Witnesses;
    config: ConfigCache;
    /** Reloads proxies and sessions now (they also reload on change and every `refreshMs`). */
    refresh(): Promise<void>;
  };

export function checkerOptionsFromEnv(env: Env): StoryCheckerOptions {
  return {
    instagramUrl: env.INSTAGRAM_WEB_URL,
    allowDirect: env.ALLOW_DIRECT,
    requestsPerMinute: env.PROXY_REQUESTS_PER_MINUTE,
    timeoutMs: env.CHECK_TIMEOUT_MS,
    keyPrefix: `${env.QUEUE_PREFIX}:checker`,
  };
}

/**
 * Builds the checker: loads proxies and sessions, subscribes to proxy changes, starts the batched
 * health writer. `redis` is shared (budgets are single script calls); close() does not quit it.
 */
export async function createStoryChecker(input: {
  core: CoreDeps;
  redis: Redis;
  options: StoryCheckerOptions;
}): Promise<RunningStoryChecker> {
  const { core, redis, options } = input;
  const windowMs = options.budgetWindowMs ?? 60_000;
  const budget = new RateBudget(
    redis,
    options.keyPrefix,
    options.requestsPerMinute,
    windowMs,
    Math.min(250, windowMs),
    options.budgetJitter ?? 0.3,
  );
  const health = new HealthRecorder(core, options.healthFlushMs ?? 2_000);
  const refreshMs = options.refreshMs ?? 30_000;
  const pool = new ProxyPool(core, budget, health, {
    allowDirect: options.allowDirect,
    cooldownBaseMs: options.cooldownBaseMs ?? 60_000,
    cooldownMaxMs: options.cooldownMaxMs ?? 3_600_000,
    acquireTimeoutMs: options.acquireTimeoutMs ?? 10 * 60_000,
    refreshMs,
    proxyFailureCooldownAfter: 3,
    timeoutMs: options.timeoutMs,
  });
  const sessions = new SessionPool(core, pool, options.allowDirect);
  const routes = new RouteHealth(redis, options.keyPrefix, {
    now: () => core.clock.now().getTime(),
    ...options.routeHealth,
  });
  const config = new ConfigCache(core, refreshMs);
  const witnesses = new Witnesses(redis, options.keyPrefix, () => core.clock.now().getTime());
  await pool.start();
  await sessions.refresh();
  await config.start();
  await routes.start();
  // The proxy channel also carries session and Instagram-setting changes (from any process).
  pool.onReload(() => {
    sessions.refresh().catch((err: unknown) => {
      core.log.warn({ err }, 'cannot reload sessions');
    });
    void config.refresh();
  });
  const sessionTimer = setInterval(() => void sessions.refresh().catch(() => {}), refreshMs);
  sessionTimer.unref();
  health.start();
  let checker: InstagramStoryChecker | undefined;
  const runner = new RouteRunner(
    core,
    pool,
    sessions,
    routes,
    config,
    { instagramUrl: options.instagramUrl, timeoutMs: options.timeoutMs },
    (alert) => checker?.raise(alert, options.onAlert),
  );
  checker = new InstagramStoryChecker(core, runner, witnesses, { maxRetries: options.maxRetries ?? 3 });
  const c = checker;
  return {
    preferredGroupSize: () => c.preferredGroupSize(),
    check: (targets, opts) => c.check(targets, opts),
    drainAlerts: () => c.drainAlerts(),
    waitingReason: () => pool.waitReason(),
    pool,
    sessions,
    health,
    routes,
    runner,
    witnesses,
    config,
    async refresh() {
      await pool.refresh();
      await sessions.refresh();
      await config.refresh();
      await routes.refresh();
    },
    async close() {
      clearInterval(sessionTimer);
      config.stop();
      await routes.stop();
      await health.stop();
      await pool.stop();
    },
  };
}

/**
 * What commands need from the checker outside the worker: the doctor (a short-lived checker over the
 * same proxies, sessions and route health) and the routes' shared health.
 */
export function instagramTools(input: {
  core: CoreDeps;
  redis: () => Promise<Redis>;
  options: StoryCheckerOptions;
}): { instagramDoctor(): Promise<DoctorReport>; instagramRoutes(): Promise<RouteView[]> } {
  return {
    async instagramDoctor() {
      const checker = await createStoryChecker({ ...input, redis: await input.redis() });
      try {
        return await runDoctor(checker.runner, checker.witnesses);
      } finally {
        await checker.close();
      }
    },
    async instagramRoutes() {
      return readRouteView(await input.redis(), input.options.keyPrefix, input.core.clock.now().getTime());
    },
  };
}
