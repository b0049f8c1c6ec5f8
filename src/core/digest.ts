import type { CoreDeps } from './deps.js';
import { storiesTodayLookup } from './stories-today.js';

export interface DigestNiche {
  nicheId: number | null;
  nicheName: string;
  /** Usernames whose story was first seen inside the digest window, newest first. */
  usernames: string[];
  /** Profiles with a story today (core/stories-today.ts: the count the auto-trigger uses), and the target. */
  today: number;
  target: number;
}

/**
 * What is new in (from, to]: a username counts when its first detection within the last 24 h falls in
 * the window, so a story seen again by a later batch is not announced twice.
 */
export async function digestContent(
  deps: Pick<CoreDeps, 'sql'>,
  window: { from: Date; to: Date; timeZone: string },
): Promise<DigestNiche[]> {
  const storiesToday = await storiesTodayLookup(deps, { timeZone: window.timeZone, now: window.to });
  const since24h = new Date(window.to.getTime() - 24 * 3600_000);
  const rows = await deps.sql<
    {
      niche_id: number | null;
      niche_name: string | null;
      usernames: string[] | null;
      target: number | null;
    }[]
  >`
    with firsts as (
      select username, min(detected_at) as first_at
      from detections
      where detected_at > ${since24h} and detected_at <= ${window.to}
      group by username
    ),
    fresh as (
      select f.username, f.first_at, p.niche_id
      from firsts f join profiles p on p.username = f.username
      where f.first_at > ${window.from}
    )
    select n.id as niche_id, n.name as niche_name, n.daily_target as target,
           (select array_agg(username order by first_at desc) from fresh where fresh.niche_id = n.id) as usernames
    from niches n
    union all
    select null, null, null,
           (select array_agg(username order by first_at desc) from fresh where fresh.niche_id is null)
  `;
  return rows
    .filter((r) => (r.usernames?.length ?? 0) > 0)
    .map((r) => ({
      nicheId: r.niche_id,
      nicheName: r.niche_name ?? 'unassigned',
      usernames: r.usernames ?? [],
      today: storiesToday(r.niche_id),
      target: r.target ?? 0,
    }))
    .sort((a, b) => a.nicheName.localeCompare(b.nicheName));
}
