import { Queue } from 'bullmq';
import type { Role } from '../config/env.js';
import { queueErrorLogger } from '../core/log-throttle.js';
import { DELIVERIES_QUEUE } from '../delivery/types.js';
import type { HttpServerRoute } from '../http/server.js';
import type { CountableQueue } from '../observability/metrics.js';
import { DIGESTS_QUEUE, startDigests } from '../worker/digests.js';
import { BATCHES_QUEUE, startScheduler } from '../worker/index.js';
import { deliverCheckerAlert } from './alerts.js';
import { type BotRole, startBotRole } from './bot-role.js';
import type { AppContext } from './context.js';
import { appInstagramTools, createCommandServices, redisOnce } from './services.js';
import type { Shutdown } from './shutdown.js';
import { startWebRole } from './web-role.js';
import { schedulerDeps } from './worker-deps.js';
import { startWorkerRole } from './worker-role.js';

/** What the running roles expose to /healthz, /metrics and the HTTP server. */
export interface RunningRoles {
  bots(): Array<{ platform: string; connected: boolean }>;
  lastSchedulerTick?: () => Date | null;
  /** Queues whose depth /metrics reports. */
  queues: CountableQueue[];
  /** Routes a role serves on the HTTP port (the Telegram webhook, the web panel). */
  routes(): HttpServerRoute[];
}

/**
 * Starts the roles this process was asked for, registering each one's stopper with the shutdown so
 * they stop in reverse order: the bots stop taking commands first, then the scheduler and the worker,
 * and the connections last (registered by main before this runs).
 */
export async function startRoles(
  app: AppContext,
  roles: readonly Role[],
  shutdown: Shutdown,
): Promise<RunningRoles> {
  const log = app.log;
  const has = (r: Role) => roles.includes(r);
  let lastSchedulerTick: (() => Date | null) | undefined;

  // Queue depth is read through queues of our own, so /metrics works whichever roles run here.
  const metricsConnection = app.redis('metrics');
  const queues = [BATCHES_QUEUE, DELIVERIES_QUEUE, DIGESTS_QUEUE].map((name) => {
    const queue = new Queue(name, { connection: metricsConnection, prefix: app.env.QUEUE_PREFIX });
    // Without a listener BullMQ writes each connection error to the console as a stack trace.
    queue.on('error', queueErrorLogger(log, name));
    return queue;
  });
  shutdown.add('metrics queues', async () => {
    await Promise.all(queues.map((q) => q.close()));
  });

  if (has('worker')) await startWorkerRole(app, shutdown);

  if (has('scheduler')) {
    const tools = appInstagramTools(app, redisOnce(app, 'route-probe'));
    const scheduler = startScheduler(schedulerDeps(app), {
      routeProbe: { run: () => tools.instagramDoctor(), announce: (a) => deliverCheckerAlert(app, a) },
    });
    shutdown.add('scheduler', () => scheduler.stop());
    lastSchedulerTick = () => scheduler.lastTickAt();
    const digests = await startDigests({ ...app, timeZone: app.env.STORYWATCH_TIMEZONE });
    shutdown.add('digests', () => digests.stop());
    log.info({ role: 'scheduler' }, 'auto-trigger, purge and hourly digest scheduled');
  }

  let bot: BotRole | undefined;
  let panel: HttpServerRoute | undefined;
  if (has('bot') || has('web')) {
    const commandServices = createCommandServices(app);
    shutdown.add('batch queue', () => commandServices.close());
    const services = commandServices.services;
    if (has('web')) panel = startWebRole(app, services);
    if (has('bot')) bot = await startBotRole(app, services, shutdown);
  }

  return {
    bots: () => bot?.bots() ?? [],
    ...(lastSchedulerTick ? { lastSchedulerTick } : {}),
    queues,
    routes: () => [...(bot?.routes() ?? []), ...(panel ? [panel] : [])],
  };
}
