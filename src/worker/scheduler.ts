import type { CheckerAlert } from '../checker/alerts.js';
import type { DoctorReport } from '../checker/doctor.js';
import { type AutoTriggerResult, type NextAutoBatch, runAutoTrigger } from '../core/auto-trigger.js';
import { purgeOldDetections } from '../core/detections/index.js';
import { throttledWarn } from '../core/log-throttle.js';
import type { Logger } from '../core/logger.js';
import { purgeExpired } from '../core/retention.js';
import type { ProcessDeps, Redis } from '../runtime/deps.js';
import { type BatchQueue, createBatchQueue } from './batch-queue.js';
import { probeRoutes } from './route-probe.js';

export interface SchedulerDeps extends Pick<ProcessDeps, 'core' | 'log' | 'redis' | 'queuePrefix'> {
  /** The operator's time zone (STORYWATCH_TIMEZONE): a niche's daily target counts from its midnight. */
  timeZone: string;
  /** Whether auto batches may check without a proxy (ALLOW_DIRECT). */
  allowDirect: boolean;
}

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
export function startScheduler(deps: SchedulerDeps, options: SchedulerOptions = {}): SchedulerHandle {
  const scheduler = new Scheduler(deps, options);
  const tickWarn = throttledWarn(scheduler.log);
  let busy = false;
  const run = () => {
    if (busy) return;
    busy = true;
    scheduler
      .tick()
      .catch((err: unknown) => tickWarn('tick', { err }, 'scheduler tick failed'))
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(run, scheduler.checkEveryMs);
  run();

  return {
    async stop() {
      clearInterval(timer);
      while (busy) await new Promise((r) => setTimeout(r, 20));
      await scheduler.close();
    },
    lastTickAt: () => scheduler.lastTick,
  };
}

/** Where the current period stands, as every step of a tick sees it. */
interface Period {
  now: number;
  period: number;
  /** Keys of a period live three periods, long enough for every process to have looked at it. */
  ttlMs: number;
  elapsed: number;
}

/** One scheduler process's state between ticks: when it last purged, the probe under way. */
class Scheduler {
  readonly log: Logger;
  readonly checkEveryMs: number;
  lastTick: Date | null = null;
  private readonly periodMs: number;
  private readonly purgeEveryMs: number;
  private readonly random: () => number;
  private readonly redis: Redis;
  private readonly batchQueue: BatchQueue;
  private readonly prefix: string;
  private lastPurge = 0;
  private probing: Promise<void> | undefined;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.periodMs = options.periodMs ?? 3_600_000;
    this.checkEveryMs = options.checkEveryMs ?? 15_000;
    this.purgeEveryMs = options.purgeEveryMs ?? 5 * 60_000;
    this.random = options.random ?? Math.random;
    this.log = deps.log.child({ role: 'scheduler' });
    this.redis = deps.redis('scheduler');
    this.batchQueue = createBatchQueue(deps);
    this.prefix = `${deps.queuePrefix}:sched`;
  }

  async tick(): Promise<void> {
    const now = this.deps.core.clock.now().getTime();
    const period = Math.floor(now / this.periodMs);
    const at: Period = { now, period, ttlMs: this.periodMs * 3, elapsed: now - period * this.periodMs };
    const slot = await this.slotOf(at);
    if (Number.isFinite(slot) && at.elapsed >= slot) await this.fireAutoTrigger(at, slot);
    this.startProbe(at);
    if (now - this.lastPurge >= this.purgeEveryMs) await this.purge(now);
    this.lastTick = new Date(now);
  }

  /** Waits for the probe under way and closes the queue the trigger puts batches on. */
  async close(): Promise<void> {
    await this.probing;
    await this.batchQueue.close();
  }

  /** The period's moment, as the first process to look proposed it. */
  private async slotOf(at: Period): Promise<number> {
    // Minutes already past cannot be chosen, so a late-starting process still fires this hour.
    const proposed = Math.floor(at.elapsed + this.random() * (this.periodMs - at.elapsed));
    await this.redis.set(`${this.prefix}:slot:${at.period}`, String(proposed), 'PX', at.ttlMs, 'NX');
    return Number(await this.redis.get(`${this.prefix}:slot:${at.period}`));
  }

  /**
   * The hour's auto-trigger, niche by niche: one process at a time works on it (a short lock), each
   * niche is marked done once it got its batch or a final refusal, and the others are tried again at
   * the next tick: a database hiccup, or no usable proxy until one comes back, no longer costs the hour.
   */
  private async fireAutoTrigger(at: Period, slot: number): Promise<void> {
    const { period, ttlMs } = at;
    if (await this.redis.get(`${this.prefix}:fired:${period}`)) return;
    const lockKey = `${this.prefix}:firing:${period}`;
    const lockMs = Math.max(30_000, this.checkEveryMs * 2);
    if (!(await this.redis.set(lockKey, String(process.pid), 'PX', lockMs, 'NX'))) return;
    try {
      const doneKey = `${this.prefix}:auto:${period}`;
      const state = await this.redis.hgetall(doneKey);
      const first = Object.keys(state).length === 0;
      const result = await runAutoTrigger(this.deps.core, {
        timeZone: this.deps.timeZone,
        allowDirect: this.deps.allowDirect,
        enqueue: (id) => this.batchQueue.enqueueBatch(id),
        only: (id) => state[String(id)] !== 'done',
        announce: (id) => state[String(id)] !== 'waiting',
      });
      await this.redis.hset(doneKey, nicheMarks(result));
      await this.redis.pexpire(doneKey, ttlMs);
      const open = result.failed.length > 0 || result.skipped.some((sk) => sk.retry);
      if (!open) await this.redis.set(`${this.prefix}:fired:${period}`, String(process.pid), 'PX', ttlMs);
      if (first || result.created.length > 0 || result.failed.length > 0)
        this.log.info(
          // The planned moment as a time, not milliseconds into the period: readable in any log viewer.
          {
            period,
            plannedAt: new Date(period * this.periodMs + slot).toISOString(),
            ...describeAutoTrigger(result),
          },
          first ? 'auto-trigger ran' : 'auto-trigger retried',
        );
    } finally {
      await this.redis.del(lockKey).catch(() => {});
    }
  }

  /** The period's route probe, in the background: probing every proxy takes seconds and must not hold the trigger up. */
  private startProbe(at: Period): void {
    const probe = this.options.routeProbe;
    if (!probe || this.probing) return;
    this.probing = probeRoutes({
      redis: this.redis,
      prefix: this.prefix,
      period: at.period,
      ttlMs: at.ttlMs,
      probe: () => probe.run(),
      announce: probe.announce,
    })
      .then((r) => {
        if (r.ran)
          this.log.info(
            {
              periodStart: new Date(at.period * this.periodMs).toISOString(),
              changed: r.changed.map((c) => c.key),
            },
            'instagram routes probed',
          );
      })
      .catch((err: unknown) => this.log.warn({ err }, 'instagram route probe failed'))
      .finally(() => {
        this.probing = undefined;
      });
  }

  private async purge(now: number): Promise<void> {
    const purged = await purgeOldDetections(this.deps.core);
    this.lastPurge = now;
    if (purged > 0) this.log.info({ purged }, 'expired detections purged');
    // Batches, items, events and deliveries past the operator's retention, in short chunks.
    // A bounded share per tick (20 chunks of 5,000 rows a table): a first backlog drains over several
    // ticks instead of holding up the auto-trigger and a shutdown.
    const expired = await purgeExpired(this.deps.core, { maxChunks: 20 });
    const { deleted } = expired;
    if (deleted.batchItems + deleted.batches + deleted.events + deleted.deliveries > 0) {
      this.log.info({ ...deleted, more: expired.more }, 'rows past retention purged');
    }
  }
}

/** Per niche: done (got its batch, or refused for good) or waiting (may work later this hour). */
function nicheMarks(result: AutoTriggerResult): Record<string, string> {
  const marks: Record<string, string> = { started: '1' };
  for (const c of result.created) marks[String(c.plan.nicheId)] = 'done';
  for (const sk of result.skipped) marks[String(sk.plan.nicheId)] = sk.retry ? 'waiting' : 'done';
  return marks;
}

function describeAutoTrigger(result: AutoTriggerResult) {
  return {
    created: result.created.map((c) => ({ batchId: c.batch.id, niche: c.plan.niche, size: c.plan.size })),
    skipped: result.skipped.map((sk) => ({ niche: sk.plan.niche, reason: sk.reason, retry: sk.retry })),
    failed: result.failed.map((f) => ({ niche: f.plan.niche, error: f.error })),
  };
}

/**
 * When the next automatic batch run is planned, read from any process: the hour's chosen moment while
 * it is ahead, "under way" once it passed and the hour is not done, else the next hour (whose moment is
 * picked when it starts).
 */
export async function nextAutoSlot(
  redis: { get(key: string): Promise<string | null> },
  queuePrefix: string,
  now: Date,
  periodMs = 3_600_000,
): Promise<NextAutoBatch> {
  const prefix = `${queuePrefix}:sched`;
  const period = Math.floor(now.getTime() / periodMs);
  const start = period * periodMs;
  const [slot, fired] = await Promise.all([
    redis.get(`${prefix}:slot:${period}`),
    redis.get(`${prefix}:fired:${period}`),
  ]);
  if (slot !== null && fired === null) {
    const at = start + Number(slot);
    return at > now.getTime() ? { kind: 'at', at: new Date(at) } : { kind: 'underway' };
  }
  return { kind: 'next-hour', from: new Date(start + periodMs), to: new Date(start + 2 * periodMs) };
}

/** The same, in words (for `stats`). */
export async function nextAutoRun(
  redis: { get(key: string): Promise<string | null> },
  queuePrefix: string,
  now: Date,
  periodMs = 3_600_000,
): Promise<string> {
  const next = await nextAutoSlot(redis, queuePrefix, now, periodMs);
  const hhmm = (d: Date) => d.toISOString().slice(11, 16);
  if (next.kind === 'at') return `next automatic run at ${hhmm(next.at)} UTC`;
  if (next.kind === 'underway')
    return 'automatic run under way this hour (niches waiting for a usable proxy are retried every 15 s)';
  return `next automatic run in the hour from ${hhmm(next.from)} UTC, at a random minute`;
}
