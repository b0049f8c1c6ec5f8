import type { CoreDeps } from './deps.js';
import { allProfileCounts } from './profiles/profile-counts.js';

const DAY_MS = 24 * 3600_000;

export interface NicheDayStats {
  nicheId: number | null;
  niche: string;
  checks: number;
  stories: number;
  /** Stories per check, null without checks. */
  hitRate: number | null;
}

export interface RecentEvent {
  at: Date;
  kind: string;
  level: string;
  message: string;
}

export interface ProxyStats {
  id: number;
  address: string;
  enabled: boolean;
  health: string;
  successes: number;
  failures: number;
  failuresByOutcome: Record<string, number>;
}

export interface Stats {
  since: Date;
  until: Date;
  profiles: { active: number; deleted: number; unassigned: number };
  niches: NicheDayStats[];
  totals: { checks: number; stories: number; hitRate: number | null };
  batches: {
    byStatus: Record<string, number>;
    active: number;
    checked: number;
    stories: number;
    errors: Record<string, number>;
  };
  imports: { count: number; recent: RecentEvent[] };
  /**
   * One error count: checks that failed (by class, from the batches) plus errors of the service itself
   * (events); neither is in a hit rate.
   */
  errors: { count: number; checks: Record<string, number>; service: number; recent: RecentEvent[] };
  /** What happened to messages for the chats (digests, summaries, alerts) in the window. */
  deliveries: {
    byStatus: Record<string, number>;
    /** Chats that refused for good (their digest is off until `digest here` again). */
    refused: Array<{ platform: string; chatId: string; reason: string | null }>;
  };
  proxies: {
    total: number;
    enabled: number;
    byHealth: Record<string, number>;
    successes: number;
    failures: number;
    list: ProxyStats[];
  };
}

const rate = (stories: number, checks: number): number | null => (checks > 0 ? stories / checks : null);

/**
 * The operator's overview over the last 24 hours: checks, stories and hit rate per niche, batches,
 * imports, errors, and proxy performance (proxy counters are lifetime totals, as `proxy list` shows).
 */
export async function getStats(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  options: { recent?: number } = {},
): Promise<Stats> {
  const until = deps.clock.now();
  const since = new Date(until.getTime() - DAY_MS);
  const recent = options.recent ?? 5;
  const { sql } = deps;

  const profiles = { active: 0, deleted: 0, unassigned: 0 };
  for (const c of await allProfileCounts(deps)) {
    profiles[c.status] += c.n;
    if (c.nicheId === null) profiles.unassigned += c.n;
  }

  // Checks come from batch items (one per profile per batch), stories from detections: both by niche.
  const perNiche = await sql<{ nicheId: number | null; niche: string; checks: number; stories: number }[]>`
    with checks as (
      select b.niche_id, count(*)::int as n
      from batches b join batch_items i on i.batch_id = b.id
      where (b.finished_at is null or b.finished_at >= ${since})
        and i.outcome in ('story', 'no_story', 'private', 'not_found', 'unavailable')
        and i.checked_at >= ${since} and i.checked_at <= ${until}
      group by b.niche_id
    ), stories as (
      select niche_id, count(distinct username)::int as n from detections
      where detected_at >= ${since} and detected_at <= ${until} group by niche_id
    ), keys as (select niche_id from checks union select niche_id from stories)
    select k.niche_id as "nicheId",
      coalesce(n.name, '(no niche)') as niche,
      coalesce(c.n, 0)::int as checks, coalesce(s.n, 0)::int as stories
    from keys k
    left join niches n on n.id = k.niche_id
    left join checks c on c.niche_id is not distinct from k.niche_id
    left join stories s on s.niche_id is not distinct from k.niche_id
    order by n.position nulls last, niche`;
  const niches = perNiche.map((r) => ({ ...r, hitRate: rate(r.stories, r.checks) }));
  const checks = niches.reduce((a, n) => a + n.checks, 0);
  const stories = niches.reduce((a, n) => a + n.stories, 0);

  const batchRows = await sql<
    { status: string; n: number; checked: number; stories: number; errors: unknown }[]
  >`
    select status, count(*)::int as n, coalesce(sum(checked), 0)::int as checked,
      coalesce(sum(stories), 0)::int as stories, coalesce(jsonb_agg(errors), '[]'::jsonb) as errors
    from batches
    where created_at >= ${since} or finished_at >= ${since} or status in ('pending', 'in_progress')
    group by status`;
  const batchErrors: Record<string, number> = {};
  for (const row of batchRows) {
    for (const e of (row.errors as Array<Record<string, number>>) ?? []) {
      for (const [k, v] of Object.entries(e ?? {})) batchErrors[k] = (batchErrors[k] ?? 0) + Number(v);
    }
  }

  const eventCount = async (where: 'import' | 'error') =>
    where === 'import'
      ? sql<{ n: number }[]>`select count(*)::int as n from events where kind = 'import' and at >= ${since}`
      : sql<{ n: number }[]>`select count(*)::int as n from events where level = 'error' and at >= ${since}`;
  const [importCount] = await eventCount('import');
  const [errorCount] = await eventCount('error');
  const recentImports = await sql<RecentEvent[]>`
    select at, kind, level, message from events where kind = 'import' order by at desc, id desc limit ${recent}`;
  const recentErrors = await sql<RecentEvent[]>`
    select at, kind, level, message from events where level = 'error' order by at desc, id desc limit ${recent}`;

  const deliveryRows = await sql<{ status: string; n: number }[]>`
    select status, count(*)::int as n from deliveries where created_at >= ${since} group by status`;
  const refusedTargets = await sql<Array<{ platform: string; chatId: string; reason: string | null }>>`
    select platform::text, chat_id as "chatId", disabled_reason as reason from delivery_targets
    where not enabled and disabled_reason is not null order by id`;

  const proxyRows = await sql<ProxyStats[]>`
    select id, host || ':' || port as address, enabled, health, successes, failures,
      failures_by_outcome as "failuresByOutcome"
    from proxies order by id`;
  const byHealth: Record<string, number> = {};
  for (const p of proxyRows) {
    const key = p.enabled ? p.health : 'disabled';
    byHealth[key] = (byHealth[key] ?? 0) + 1;
  }

  return {
    since,
    until,
    profiles,
    niches,
    totals: { checks, stories, hitRate: rate(stories, checks) },
    batches: {
      byStatus: Object.fromEntries(batchRows.map((r) => [r.status, r.n])),
      active: batchRows
        .filter((r) => r.status === 'pending' || r.status === 'in_progress')
        .reduce((a, r) => a + r.n, 0),
      checked: batchRows.reduce((a, r) => a + r.checked, 0),
      stories: batchRows.reduce((a, r) => a + r.stories, 0),
      errors: batchErrors,
    },
    imports: { count: importCount?.n ?? 0, recent: [...recentImports] },
    errors: {
      count: Object.values(batchErrors).reduce((a, n) => a + n, 0) + (errorCount?.n ?? 0),
      checks: batchErrors,
      service: errorCount?.n ?? 0,
      recent: [...recentErrors],
    },
    deliveries: {
      byStatus: Object.fromEntries(deliveryRows.map((r) => [r.status, r.n])),
      refused: [...refusedTargets],
    },
    proxies: {
      total: proxyRows.length,
      enabled: proxyRows.filter((p) => p.enabled).length,
      byHealth,
      successes: proxyRows.reduce((a, p) => a + p.successes, 0),
      failures: proxyRows.reduce((a, p) => a + p.failures, 0),
      list: [...proxyRows],
    },
  };
}
