import type { CoreDeps } from '../deps.js';

/** Past this many delta rows for one read, the rows it read are folded into one per key. */
const COMPACT_AFTER = 64;

export type CountStatus = 'active' | 'deleted' | 'all';

export interface ProfileCount {
  /** null = unassigned. */
  nicheId: number | null;
  status: 'active' | 'deleted';
  n: number;
}

/**
 * Profiles per niche key (0 = unassigned, null = every niche) and status, from the trigger-maintained
 * delta log: a sum over a handful of rows, exact and transactional, instead of a count over the table.
 */
export async function countProfiles(
  deps: Pick<CoreDeps, 'sql'>,
  nicheKey: number | null,
  status: CountStatus,
): Promise<number> {
  const statuses = status === 'all' ? ['active', 'deleted'] : [status];
  const [row] =
    nicheKey === null
      ? await deps.sql<{ n: number; rows: number }[]>`
          select coalesce(sum(delta), 0)::int as n, count(*)::int as rows
          from profile_count_deltas where status = any(${statuses}::profile_status[])`
      : await deps.sql<{ n: number; rows: number }[]>`
          select coalesce(sum(delta), 0)::int as n, count(*)::int as rows
          from profile_count_deltas where niche_key = ${nicheKey} and status = any(${statuses}::profile_status[])`;
  if ((row?.rows ?? 0) > COMPACT_AFTER) await compactProfileCounts(deps);
  return row?.n ?? 0;
}

/** Every (niche, status) count, for `niche list` and `stats`. */
export async function allProfileCounts(deps: Pick<CoreDeps, 'sql'>): Promise<ProfileCount[]> {
  const rows = await deps.sql<{ key: number; status: 'active' | 'deleted'; n: number; rows: number }[]>`
    select niche_key as key, status, sum(delta)::int as n, count(*)::int as rows
    from profile_count_deltas group by niche_key, status`;
  if (rows.some((r) => r.rows > COMPACT_AFTER)) await compactProfileCounts(deps);
  return rows
    .filter((r) => r.n !== 0)
    .map((r) => ({ nicheId: r.key === 0 ? null : r.key, status: r.status, n: r.n }));
}

/**
 * Folds the log into one row per key. One statement: rows committed by others meanwhile are either
 * deleted and summed here or left for next time (a concurrent compaction skips rows this one deleted),
 * so nothing is counted twice or lost.
 */
export async function compactProfileCounts(deps: Pick<CoreDeps, 'sql'>): Promise<void> {
  await deps.sql`
    with gone as (delete from profile_count_deltas returning niche_key, status, delta)
    insert into profile_count_deltas (niche_key, status, delta)
    select niche_key, status, sum(delta) from gone group by niche_key, status having sum(delta) <> 0`;
}
