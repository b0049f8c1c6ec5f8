import type { AppContext } from '../app/context.js';
import type { CheckerAlert } from '../checker/alerts.js';
import type { DoctorReport } from '../checker/doctor.js';
import { runAutoTrigger } from '../core/auto-trigger.js';
import { purgeOldDetections } from '../core/detections/index.js';
import { throttledWarn } from '../core/log-throttle.js';
import { purgeExpired } from '../core/retention.js';
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

  /**
   * The hour's auto-trigger, niche by niche: one process at a time works on it (a short lock), each
   * niche is marked done once it got its batch or a final refusal, and the others are tried again at
   * the next tick: a database hiccup, or no usable proxy until one comes back, no longer costs the hour.
   */
  const fireAutoTrigger = async (period: number, slot: number, ttlMs: number) => {
    if (await redis.get(`${prefix}:fired:${period}`)) return;
    const lockKey = `${prefix}:firing:${period}`;
    if (!(await redis.set(lockKey, String(process.pid), 'PX', Math.max(30_000, checkEveryMs * 2), 'NX')))
      return;
    try {
      const doneKey = `${prefix}:auto:${period}`;
      const state = await redis.hgetall(doneKey);
      const first = Object.keys(state).length === 0;
      const result = await runAutoTrigger(app.core, {
        timeZone: app.env.STORYWATCH_TIMEZONE,
        allowDirect: app.env.ALLOW_DIRECT,
        enqueue: (id) => batchQueue.enqueueBatch(id),
        only: (id) => state[String(id)] !== 'done',
        announce: (id) => state[String(id)] !== 'waiting',
      });
      const marks: Record<string, string> = { started: '1' };
      for (const c of result.created) marks[String(c.plan.nicheId)] = 'done';
      for (const sk of result.skipped) marks[String(sk.plan.nicheId)] = sk.retry ? 'waiting' : 'done';
      await redis.hset(doneKey, marks);
      await redis.pexpire(doneKey, ttlMs);
      const open = result.failed.length > 0 || result.skipped.some((sk) => sk.retry);
      if (!open) await redis.set(`${prefix}:fired:${period}`, String(process.pid), 'PX', ttlMs);
      if (first || result.created.length > 0 || result.failed.length > 0)
        log.info(
          {
            period,
            atMs: slot,
            created: result.created.map((c) => ({
              batchId: c.batch.id,
              niche: c.plan.niche,
              size: c.plan.size,
            })),
            skipped: result.skipped.map((sk) => ({
              niche: sk.plan.niche,
              reason: sk.reason,
              retry: sk.retry,
            })),
            failed: result.failed.map((f) => ({ niche: f.plan.niche, error: f.error })),
          },
          first ? 'auto-trigger ran' : 'auto-trigger retried',
        );
    } finally {
      await redis.del(lockKey).catch(() => {});
    }
  };

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
    if (Number.isFinite(slot) && elapsed >= slot) await fireAutoTrigger(period, slot, ttlMs);
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
      // Batches, items, events and deliveries past the operator's retention, in short chunks.
      // A bounded share per tick (20 chunks of 5,000 rows a table): a first backlog drains over several
      // ticks instead of holding up the auto-trigger and a shutdown.
      const expired = await purgeExpired(app.core, { maxChunks: 20 });
      const { deleted } = expired;
      if (deleted.batchItems + deleted.batches + deleted.events + deleted.deliveries > 0) {
        log.info({ ...deleted, more: expired.more }, 'rows past retention purged');
      }
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

/** When the next automatic batch run is planned, in words (for `stats`), read from any process. */
export async function nextAutoRun(
  redis: { get(key: string): Promise<string | null> },
  queuePrefix: string,
  now: Date,
  periodMs = 3_600_000,
): Promise<string> {
  const prefix = `${queuePrefix}:sched`;
  const period = Math.floor(now.getTime() / periodMs);
  const start = period * periodMs;
  const [slot, fired] = await Promise.all([
    redis.get(`${prefix}:slot:${period}`),
    redis.get(`${prefix}:fired:${period}`),
  ]);
  const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  if (slot !== null && fired === null) {
    const at = start + Number(slot);
    return at > now.getTime()
      ? `next automatic run at ${hhmm(at)} UTC`
      : 'automatic run under way this hour (niches waiting for a usable proxy are retried every 15 s)';
  }
  return `next automatic run in the hour from ${hhmm(start + periodMs)} UTC, at a random minute`;
}
