import type { BatchWorkerDeps } from '../worker/batch-worker.js';
import type { SchedulerDeps } from '../worker/scheduler.js';
import type { AppContext } from './context.js';

/** The batch worker's share of the process: its ProcessDeps, the delivery producer, and its env values. */
export function batchWorkerDeps(app: AppContext): BatchWorkerDeps {
  return {
    core: app.core,
    log: app.log,
    redis: app.redis,
    queuePrefix: app.queuePrefix,
    deliveries: app.deliveries,
    deadProxyRetest: {
      instagramUrl: app.env.INSTAGRAM_WEB_URL,
      timeoutMs: app.env.CHECK_TIMEOUT_MS,
      proxyRequestsPerMinute: app.env.PROXY_REQUESTS_PER_MINUTE,
    },
  };
}

/** The scheduler's share of the process: its ProcessDeps and the env values the auto-trigger reads. */
export function schedulerDeps(app: AppContext): SchedulerDeps {
  return {
    core: app.core,
    log: app.log,
    redis: app.redis,
    queuePrefix: app.queuePrefix,
    timeZone: app.env.STORYWATCH_TIMEZONE,
    allowDirect: app.env.ALLOW_DIRECT,
  };
}
