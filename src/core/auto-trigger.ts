import { type Batch, createBatch } from './batches/index.js';
import type { CoreDeps } from './deps.js';
import { isUserError } from './errors.js';
import { storiesTodayLookup } from './stories-today.js';

/**
 * When the scheduler runs the auto-trigger next (worker/scheduler.ts picks a random moment each hour):
 * at a known moment, under way now (the moment passed, niches still waiting for a proxy), or at a
 * random moment of the next hour (this hour's run is done, or no scheduler has looked at the hour).
 */
export type NextAutoBatch =
  | { kind: 'at'; at: Date }
  | { kind: 'underway' }
  | { kind: 'next-hour'; from: Date; to: Date };

/** Until a niche has history, assume one profile in ten shows a story when checked. */
export const PRIOR_STORY_RATE = 0.1;
/** Below this the sizing would ask for absurd numbers; the niche size and rate cap bound it anyway. */
const MIN_STORY_RATE = 0.01;

export interface AutoPlan {
  nicheId: number;
  niche: string;
  target: number;
  today: number;
  missing: number;
  /** Stories per check, from the niche's own counters (smoothed towards PRIOR_STORY_RATE). */
  rate: number;
  activeProfiles: number;
  /** What the profiles-per-minute cap allows in an hour. */
  hourlyCap: number;
  size: number;
}

/**
 * Profiles to check to cover the missing stories at the niche's own story rate, bounded by what the
 * rate cap allows in an hour and by the niche's size. Pure, so the sizing is tested on its own.
 */
export function sizeAutoBatch(input: {
  missing: number;
  rate: number;
  activeProfiles: number;
  profilesPerMinute: number;
}): number {
  if (input.missing <= 0 || input.activeProfiles <= 0) return 0;
  const rate = Math.max(MIN_STORY_RATE, input.rate);
  const wanted = Math.ceil(input.missing / rate);
  return Math.max(1, Math.min(wanted, input.profilesPerMinute * 60, input.activeProfiles));
}

/** Niches that need an auto batch now: a target above 0, fewer stories today, no active batch. */
export async function planAutoBatches(deps: CoreDeps, timeZone: string): Promise<AutoPlan[]> {
  const storiesToday = await storiesTodayLookup(deps, { timeZone, now: deps.clock.now() });
  const rows = await deps.sql<
    Array<{
      nicheId: number;
      niche: string;
      target: number;
      active: number;
      checks: number;
      detected: number;
      ppm: number;
    }>
  >`
    select n.id as "nicheId", n.name as niche, n.daily_target as target,
      coalesce(p.active, 0)::int as active, coalesce(p.checks, 0)::float8 as checks,
      coalesce(p.detected, 0)::float8 as detected,
      coalesce((select profiles_per_minute from settings where id = 1), 60) as ppm
    from niches n
    left join lateral (
      select count(*) filter (where status = 'active') as active,
             sum(total_checks) as checks, sum(total_detected) as detected
      from profiles where niche_id = n.id
    ) p on true
    where n.daily_target > 0
      and not exists (select 1 from batches b where b.niche_id = n.id and b.status in ('pending', 'in_progress'))
    order by n.position, n.id`;
  const plans: AutoPlan[] = [];
  for (const r of rows) {
    const today = storiesToday(r.nicheId);
    const missing = r.target - today;
    if (missing <= 0 || r.active <= 0) continue;
    // Ten pseudo-checks at the prior keep a young niche's first lucky or unlucky batch from dominating.
    const rate = (r.detected + 10 * PRIOR_STORY_RATE) / (r.checks + 10);
    const size = sizeAutoBatch({ missing, rate, activeProfiles: r.active, profilesPerMinute: r.ppm });
    plans.push({
      nicheId: r.nicheId,
      niche: r.niche,
      target: r.target,
      today,
      missing,
      rate,
      activeProfiles: r.active,
      hourlyCap: r.ppm * 60,
      size,
    });
  }
  return plans;
}

export interface AutoTriggerResult {
  created: Array<{ plan: AutoPlan; batch: Batch }>;
  /** Refused with a reason; `retry` when it may work later this hour (no proxy usable yet). */
  skipped: Array<{ plan: AutoPlan; reason: string; code: string; retry: boolean }>;
  /** Failed on our side (the database away a moment): tried again at the next tick. */
  failed: Array<{ plan: AutoPlan; error: string }>;
}

/** Refusals that can turn into a batch later in the same hour. */
const RETRYABLE_REFUSALS = new Set(['no_proxies']);

/**
 * The hourly auto-trigger: plans, then creates an `auto` batch per niche and hands it to `enqueue`.
 * A niche that cannot start (no proxy, a manual batch raced in) is skipped with its reason logged and
 * written as an event; the others still run.
 */
export async function runAutoTrigger(
  deps: CoreDeps,
  options: {
    timeZone: string;
    allowDirect: boolean;
    enqueue(batchId: number): Promise<void>;
    /** Niches still to do this hour (the others were done by an earlier tick); all when absent. */
    only?: (nicheId: number) => boolean;
    /** Whether to write the "not started" event (once per niche and hour, not at every retry). */
    announce?: (nicheId: number) => boolean;
  },
): Promise<AutoTriggerResult> {
  const result: AutoTriggerResult = { created: [], skipped: [], failed: [] };
  for (const plan of await planAutoBatches(deps, options.timeZone)) {
    if (options.only && !options.only(plan.nicheId)) continue;
    try {
      const batch = await createBatch(deps, {
        niche: plan.nicheId,
        count: plan.size,
        trigger: 'auto',
        allowDirect: options.allowDirect,
      });
      await options.enqueue(batch.id);
      result.created.push({ plan, batch });
    } catch (err) {
      if (!isUserError(err)) {
        // One niche's trouble must not cost the others their batch: note it, go on, retry later.
        result.failed.push({ plan, error: err instanceof Error ? err.message : String(err) });
        continue;
      }
      result.skipped.push({
        plan,
        reason: err.message,
        code: err.code,
        retry: RETRYABLE_REFUSALS.has(err.code),
      });
      deps.log.warn({ niche: plan.niche, code: err.code }, 'auto batch not started');
      if (options.announce && !options.announce(plan.nicheId)) continue;
      await deps.sql`
        insert into events (at, kind, level, message, data)
        values (${deps.clock.now()}, 'auto_trigger', 'warn',
                ${`Auto batch for ${plan.niche} not started: ${err.message}`},
                ${deps.sql.json({ niche: plan.niche, code: err.code, size: plan.size })})`;
    }
  }
  return result;
}
