import { Redis } from 'ioredis';
import { pingDatabase } from '../core/db/client.js';
import type { HealthCheck } from '../http/health.js';
import type { AppContext } from './context.js';

/** How old the scheduler's last tick may be before /healthz fails (it ticks every 15 s: many missed ticks). */
export const SCHEDULER_STALE_MS = 5 * 60_000;
const REDIS_READY_WAIT_MS = 1_000;

export interface ProcessParts {
  bots(): Array<{ platform: string; connected: boolean }>;
  /** Present only when this process runs the scheduler role. */
  lastSchedulerTick?: () => Date | null;
  startedAt: Date;
}

/**
 * Postgres and Redis for every role; each chat front-end this process holds; the scheduler's last
 * tick where it runs here. Redis is probed on a connection of its own without an offline queue, so a
 * dead Redis answers "not connected" at once instead of the probe waiting on BullMQ's reconnect loop.
 */
export function createHealthChecks(
  app: AppContext,
  parts: ProcessParts,
): { checks(): HealthCheck[]; close(): Promise<void> } {
  const redis = new Redis(app.env.REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: 'storywatch:health',
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  });
  // Failures surface through /healthz; a log line per reconnect attempt would only be noise.
  redis.on('error', () => {});

  const postgres: HealthCheck = {
    name: 'postgres',
    async check() {
      await pingDatabase(app.core);
    },
  };
  const redisCheck: HealthCheck = {
    name: 'redis',
    async check() {
      // The very first probe may come while the connection is still being made: give it a moment.
      if (redis.status === 'wait' || redis.status === 'connecting' || redis.status === 'connect') {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, REDIS_READY_WAIT_MS);
          redis.once('ready', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (redis.status !== 'ready') throw new Error(`not connected (${redis.status})`);
      await redis.ping();
    },
  };
  const schedulerCheck = (lastTick: () => Date | null): HealthCheck => ({
    name: 'scheduler',
    async check() {
      const at = lastTick();
      const now = app.core.clock.now().getTime();
      if (at === null) {
        if (now - parts.startedAt.getTime() > SCHEDULER_STALE_MS)
          throw new Error('has not ticked since start');
        return;
      }
      const age = now - at.getTime();
      if (age > SCHEDULER_STALE_MS) throw new Error(`last tick ${Math.round(age / 1000)} s ago`);
    },
  });

  return {
    checks() {
      const list: HealthCheck[] = [postgres, redisCheck];
      for (const bot of parts.bots()) {
        list.push({
          name: bot.platform,
          async check() {
            if (!bot.connected) throw new Error('not connected');
          },
        });
      }
      if (parts.lastSchedulerTick) list.push(schedulerCheck(parts.lastSchedulerTick));
      return list;
    },
    async close() {
      redis.disconnect();
    },
  };
}
