import type { CoreDeps } from './deps.js';
import { allProfileCounts } from './profiles/profile-counts.js';
import { storiesTodayByNiche, todayWindow } from './stories-today.js';

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
  /** The last 24 hours: batches, imports, errors and deliveries. */
  since: Date;
  until: Date;
  /** The operator's day so far (midnight in `timeZone` to `until`): the niches and their totals. */
  day: { since: Date; timeZone: string };
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

async function nicheDayStats(
  deps: Pick<CoreDeps, 'sql'>,
  day: { from: Date; to: Date },
  timeZone: string,
): Promise<NicheDayStats[]> {
  type Row = { nicheId: number | null; niche: string | null; position: number | null };
  // Checks come from batch items (one per profile per batch), by the niche of the batch.
  const checkRows = await deps.sql<Array<Row & { n: number }>>`
    select b.niche_id as "nicheId", n.name as niche, n.position, count(*)::int as n
    from batches b join batch_items i on i.batch_id = b.id left join niches n on n.id = b.niche_id
    where (b.finished_at is null or b.finished_at >= ${day.from})
      and i.outcome in ('story', 'no_story', 'private', 'not_found', 'unavailable')
      and i.checked_at >= ${day.from} and i.checked_at <= ${day.to}
    group by 1, 2, 3`;
  const storyRows = await storiesTodayByNiche(deps, { timeZone, now: day.to });
  const keys = new Map<number | null, Row>();
  for (const r of [...checkRows, ...storyRows]) keys.set(r.nicheId, r);
  const checksOf = new Map(checkRows.map((r) => [r.nicheId, Number(r.n)]));
  const storiesOf = new Map(storyRows.map((r) => [r.nicheId, r.count]));
  // Niches in their list order; what removed niches did comes last.
  const last = Number.POSITIVE_INFINITY;
  const ordered = [...keys.values()].sort(
    (a, b) => (a.position ?? last) - (b.position ?? last) || (a.niche ?? '').localeCompare(b.niche ?? ''),
  );
  return ordered.map(({ nicheId, niche }) => {
    const checks = checksOf.get(nicheId) ?? 0;
    const stories = storiesOf.get(nicheId) ?? 0;
    return { nicheId, niche: niche ?? '(no niche)', checks, stories, hitRate: rate(stories, checks) };
  });
}

/**
 * The operator's overview: checks, stories and hit rate per niche over the day so far (in
 * STORYWATCH_TIMEZONE), and over the last 24 hours batches, imports, errors and deliveries; proxy
 * counters are lifetime totals, as `proxy list` shows.
 */
export async function getStats(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  options: { timeZone: string; recent?: number },
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

  const day = todayWindow(until, options.timeZone);
  const niches = await nicheDayStats(deps, day, options.timeZone);
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
    day: { since: day.from, timeZone: options.timeZone },
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
