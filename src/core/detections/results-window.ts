import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';

export const RESULTS_WINDOW_HOURS = 24;

export interface RecentStory {
  username: string;
  niche: string | null;
  detectedAt: Date;
  expiresAt: Date;
}

/**
 * Usernames with a story seen in the last `hours` (1..24), newest first, one row per username (its
 * latest detection), with when that story expires. Always inside the 24 h window even if the purge
 * has not run yet.
 */
export async function recentStories(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  options: { hours: number; nicheId?: number },
): Promise<RecentStory[]> {
  if (!Number.isFinite(options.hours) || options.hours <= 0 || options.hours > RESULTS_WINDOW_HOURS) {
    throw new UserError(
      'bad_hours',
      `HOURS must be a number from 1 to ${RESULTS_WINDOW_HOURS} (stories only live 24 h); got ${options.hours}.`,
    );
  }
  const now = deps.clock.now();
  const since = new Date(now.getTime() - options.hours * 3600_000);
  const nicheId = options.nicheId ?? null;
  const rows = await deps.sql<RecentStory[]>`
    select distinct on (d.username)
      d.username, n.name as niche, d.detected_at as "detectedAt",
      coalesce(d.story_expires_at, d.detected_at + interval '24 hours') as "expiresAt"
    from detections d left join niches n on n.id = d.niche_id
    where d.detected_at > ${since} and d.detected_at <= ${now}
      and (${nicheId}::int is null or d.niche_id = ${nicheId}::int)
    order by d.username, d.detected_at desc`;
  return rows.sort(
    (a, b) => b.detectedAt.getTime() - a.detectedAt.getTime() || a.username.localeCompare(b.username),
  );
}

/** Deletes detections older than 24 h; returns how many. Safe to run from any number of processes. */
export async function purgeOldDetections(deps: Pick<CoreDeps, 'sql' | 'clock'>): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - RESULTS_WINDOW_HOURS * 3600_000);
  const rows = await deps.sql`delete from detections where detected_at <= ${cutoff} returning 1`;
  return rows.length;
}

/**
 * Instagram ids of profiles whose detected story is still live for a while: a dead session's empty
 * answer is told from a true "no story" by asking it for these (see the checker's witness rule).
 */
export async function liveStoryIds(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  limit: number,
  minLifeMs = 15 * 60_000,
): Promise<string[]> {
  const until = new Date(deps.clock.now().getTime() + minLifeMs);
  const rows = await deps.sql<Array<{ id: string }>>`
    select p.ig_user_id as id from detections d join profiles p on p.username = d.username
    where d.story_expires_at > ${until} and p.ig_user_id is not null and p.status = 'active'
    order by d.story_expires_at desc limit ${limit}`;
  return [...new Set(rows.map((r) => r.id))];
}
