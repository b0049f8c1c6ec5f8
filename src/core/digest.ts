import type { CoreDeps } from './deps.js';
import { startOfDay } from './time.js';

export interface DigestNiche {
  nicheId: number | null;
  nicheName: string;
  /** Usernames whose story was first seen inside the digest window, newest first. */
  usernames: string[];
  /** Distinct profiles with a story detected since the start of the day, and the niche's daily target. */
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
  const dayStart = startOfDay(window.to, window.timeZone);
  const since24h = new Date(window.to.getTime() - 24 * 3600_000);
  const rows = await deps.sql<
    {
      niche_id: number | null;
      niche_name: string | null;
      usernames: string[] | null;
      today: number;
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
    ),
    today as (
      select p.niche_id, count(distinct d.username)::int as n
      from detections d join profiles p on p.username = d.username
      where d.detected_at >= ${dayStart} and d.detected_at <= ${window.to}
      group by p.niche_id
    )
    select n.id as niche_id, n.name as niche_name, n.daily_target as target,
           coalesce(t.n, 0) as today,
           (select array_agg(username order by first_at desc) from fresh where fresh.niche_id = n.id) as usernames
    from niches n left join today t on t.niche_id = n.id
    union all
    select null, null, null, coalesce((select n from today where niche_id is null), 0),
           (select array_agg(username order by first_at desc) from fresh where fresh.niche_id is null)
  `;
  return rows
    .filter((r) => (r.usernames?.length ?? 0) > 0)
    .map((r) => ({
      nicheId: r.niche_id,
      nicheName: r.niche_name ?? 'unassigned',
      usernames: r.usernames ?? [],
      today: r.today,
      target: r.target ?? 0,
    }))
    .sort((a, b) => a.nicheName.localeCompare(b.nicheName));
}
