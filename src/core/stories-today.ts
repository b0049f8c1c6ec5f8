import type { CoreDeps } from './deps.js';
import { startOfDay } from './time.js';

export interface NicheStoriesToday {
  /** Null for stories whose niche was removed after they were found. */
  nicheId: number | null;
  /** The niche's name and list position (null with nicheId). */
  niche: string | null;
  position: number | null;
  /** Distinct profiles with a story detected today. */
  count: number;
}

/** The operator's day so far: from midnight in `timeZone` (STORYWATCH_TIMEZONE) to `now`. */
export function todayWindow(now: Date, timeZone: string): { from: Date; to: Date } {
  return { from: startOfDay(now, timeZone), to: now };
}

/**
 * Profiles with a story today, per niche: the count every daily-target comparison uses (the
 * auto-trigger's plan, `stats`, /metrics and the digest), so they cannot disagree.
 */
export async function storiesTodayByNiche(
  deps: Pick<CoreDeps, 'sql'>,
  options: { timeZone: string; now: Date },
): Promise<NicheStoriesToday[]> {
  const { from, to } = todayWindow(options.now, options.timeZone);
  // Grouped by the niche of the batch that found the story (the detection's niche_id), not by the
  // profile's current niche: the target is met by that niche's batches, so moving a profile later must
  // not take a story away from a niche that already earned it (and start it another batch) nor hand
  // one to a niche that never checked it. The day is the operator's (midnight in STORYWATCH_TIMEZONE),
  // because that is the day the target is set for; a profile seen again by a later batch counts once.
  const rows = await deps.sql<
    Array<{ niche_id: number | null; name: string | null; position: number | null; n: number }>
  >`
    select d.niche_id, n.name, n.position, count(distinct d.username)::int as n
    from detections d left join niches n on n.id = d.niche_id
    where d.detected_at >= ${from} and d.detected_at <= ${to}
    group by d.niche_id, n.name, n.position`;
  return rows.map((r) => ({ nicheId: r.niche_id, niche: r.name, position: r.position, count: Number(r.n) }));
}

/** The same count as a lookup by niche (0 for a niche without a story today). */
export async function storiesTodayLookup(
  deps: Pick<CoreDeps, 'sql'>,
  options: { timeZone: string; now: Date },
): Promise<(nicheId: number | null) => number> {
  const counts = new Map((await storiesTodayByNiche(deps, options)).map((r) => [r.nicheId, r.count]));
  return (nicheId) => counts.get(nicheId) ?? 0;
}
