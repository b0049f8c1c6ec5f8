import { Queue } from 'bullmq';
import type { Role } from '../config/env.js';
import { startDeliveryWorker } from '../delivery/queue.js';
import { type ChatPlatform, type ChatSender, DELIVERIES_QUEUE } from '../delivery/types.js';
import type { CountableQueue } from '../observability/metrics.js';
import { DIGESTS_QUEUE, startDigests } from '../worker/digests.js';
import type { AppContext } from './context.js';
import { buildCommandServices } from './services.js';
import type { Shutdown } from './shutdown.js';

/** What the running roles expose to /healthz and /metrics. */
export interface RunningRoles {
  bots(): Array<{ platform: string; connected: boolean }>;
  lastSchedulerTick?: () => Date | null;
  /** Queues whose depth /metrics reports. */
  queues: CountableQueue[];
}

interface ChatFrontEnd {
  platform: ChatPlatform;
  sender: ChatSender;
  isConnected(): boolean;
}

/**
 * Starts the roles this process was asked for, registering each one's stopper with the shutdown so
 * they stop in reverse order (bots stop taking commands before the worker and the connections go).
 */
export async function startRoles(
  app: AppContext,
  roles: readonly Role[],
  shutdown: Shutdown,
): Promise<RunningRoles> {
  const log = app.log;
  const has = (r: Role) => roles.includes(r);
  const frontEnds: ChatFrontEnd[] = [];
  let lastSchedulerTick: (() => Date | null) | undefined;

  // Queue depth is read through queues of our own, so /metrics works in every role.
  const metricsConnection = app.redis('metrics');
  const queues = [DELIVERIES_QUEUE, DIGESTS_QUEUE].map(
    (name) => new Queue(name, { connection: metricsConnection, prefix: app.env.QUEUE_PREFIX }),
  );
  shutdown.add('metrics queues', async () => {
    await Promise.all(queues.map((q) => q.close()));
  });

  const services = buildCommandServices({});

  if (has('worker')) {
    log.info({ role: 'worker' }, 'batch worker not part of this build yet');
  }

  if (has('scheduler')) {
    const digests = await startDigests(app);
    shutdown.add('digests', () => digests.stop());
    log.info({ role: 'scheduler' }, 'hourly digest scheduled');
    log.info({ role: 'scheduler' }, 'auto-trigger scheduler not part of this build yet');
  }

  if (has('bot')) {
    if (!app.env.TELEGRAM_BOT_TOKEN)
      log.warn({ role: 'bot' }, 'Telegram front-end not configured (set TELEGRAM_BOT_TOKEN)');
    else log.warn({ role: 'bot' }, 'Telegram front-end not part of this build yet');
    if (!app.env.DISCORD_TOKEN)
      log.warn({ role: 'bot' }, 'Discord front-end not configured (set DISCORD_TOKEN)');
    else log.warn({ role: 'bot' }, 'Discord front-end not part of this build yet');
    void services;
    if (frontEnds.length > 0) {
      const senders = Object.fromEntries(frontEnds.map((f) => [f.platform, f.sender]));
      const deliveries = startDeliveryWorker(app, senders);
      shutdown.add('delivery worker', () => deliveries.close());
    } else {
      log.warn({ role: 'bot' }, 'no chat front-end configured: digests and batch summaries stay queued');
    }
  }

  return {
    bots: () => frontEnds.map((f) => ({ platform: f.platform, connected: f.isConnected() })),
    ...(lastSchedulerTick ? { lastSchedulerTick } : {}),
    queues,
  };
}
