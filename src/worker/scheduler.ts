import type { AppContext } from '../app/context.js';
import type { CheckerAlert } from '../checker/alerts.js';
import type { DoctorReport } from '../checker/doctor.js';
import { runAutoTrigger } from '../core/auto-trigger.js';
import { purgeOldDetections } from '../core/detections/index.js';
import { throttledWarn } from '../core/log-throttle.js';
import { createBatchQueue } from './batch-queue.js';
import { probeRoutes } from './route-probe.js';

export interface SchedulerOptions {
  /** One auto-trigger per period; an hour in production, seconds in tests. */
  periodMs?: number;
  /** How often each scheduler process looks at the clock. */
  checkEveryMs?: number;
  /** Detections older than 24 h are deleted at least this often. */
  purgeEveryMs?: number;
  random?: () => number;
  /** The hourly Instagram route probe (the doctor) and where its route changes are announced. */
  routeProbe?: { run(): Promise<DoctorReport>; announce(alert: CheckerAlert): Promise<unknown> };
}

export interface SchedulerHandle {
  stop(): Promise<void>;
  /** When the scheduler loop last ran (for health checks); null before the first run. */
  lastTickAt(): Date | null;
}

/**
 * The hourly auto-trigger at a fresh random moment each hour, fired once however many scheduler
 * processes run: the first process to look at an hour picks its moment (SET NX, so all agree), and
 * at that moment the first to claim the hour's fired key (SET NX) runs the trigger. A process that
 * starts late in the hour still fires it if nobody has. Also purges expired detections, and runs the
 * Instagram route probe once a period (route-probe.ts).
 */
export function startScheduler(app: AppContext, options: SchedulerOptions = {}): SchedulerHandle {
  const periodMs = options.periodMs ?? 3_600_000;
  const checkEveryMs = options.checkEveryMs ?? 15_000;
  const purgeEveryMs = options.purgeEveryMs ?? 5 * 60_000;
  const random = options.random ?? Math.random;
  const log = app.log.child({ role: 'scheduler' });
  const redis = app.redis('scheduler');
  const batchQueue = createBatchQueue(app);
  const prefix = `${app.env.QUEUE_PREFIX}:sched`;
  let lastTick: Date | null = null;
  let lastPurge = 0;
  let busy = false;
  let probing: Promise<void> | undefined;

  const tick = async () => {
    const now = app.core.clock.now().getTime();
    const period = Math.floor(now / periodMs);
    const periodStart = period * periodMs;
    const ttlMs = periodMs * 3;
    const elapsed = now - periodStart;
    // Minutes already past cannot be chosen, so a late-starting process still fires this hour.
    const proposed = Math.floor(elapsed + random() * (periodMs - elapsed));
    await redis.set(`${prefix}:slot:${period}`, String(proposed), 'PX', ttlMs, 'NX');
    const slot = Number(await redis.get(`${prefix}:slot:${period}`));
    if (Number.isFinite(slot) && elapsed >= slot) {
      const claimed = await redis.set(`${prefix}:fired:${period}`, String(process.pid), 'PX', ttlMs, 'NX');
      if (claimed) {
        const result = await runAutoTrigger(app.core, {
          timeZone: app.env.STORYWATCH_TIMEZONE,
          allowDirect: app.env.ALLOW_DIRECT,
          enqueue: (id) => batchQueue.enqueueBatch(id),
        });
        log.info(
          {
            period,
            atMs: slot,
            created: result.created.map((c) => ({
              batchId: c.batch.id,
              niche: c.plan.niche,
              size: c.plan.size,
            })),
            skipped: result.skipped.map((s) => ({ niche: s.plan.niche, reason: s.reason })),
          },
          'auto-trigger ran',
        );
      }
    }
    if (options.routeProbe && !probing) {
      const probe = options.routeProbe;
      // In the background: probing every proxy takes seconds and must not hold the trigger up.
      probing = probeRoutes({
        redis,
        prefix,
        period,
        ttlMs,
        probe: () => probe.run(),
        announce: probe.announce,
      })
        .then((r) => {
          if (r.ran) log.info({ period, changed: r.changed.map((c) => c.key) }, 'instagram routes probed');
        })
        .catch((err: unknown) =>
          log.warn({ errMessage: (err as Error).message }, 'instagram route probe failed'),
        )
        .finally(() => {
          probing = undefined;
        });
    }
    if (now - lastPurge >= purgeEveryMs) {
      const purged = await purgeOldDetections(app.core);
      lastPurge = now;
      if (purged > 0) log.info({ purged }, 'expired detections purged');
    }
    lastTick = new Date(now);
  };

  const tickWarn = throttledWarn(log);
  const run = () => {
    if (busy) return;
    busy = true;
    tick()
      .catch((err: unknown) =>
        tickWarn('tick', { errMessage: (err as Error).message }, 'scheduler tick failed'),
      )
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(run, checkEveryMs);
  run();

  return {
    async stop() {
      clearInterval(timer);
      while (busy) await new Promise((r) => setTimeout(r, 20));
      await probing;
      await batchQueue.close();
    },
    lastTickAt: () => lastTick,
  };
}
