import type { Sql } from './db/client.js';
import type { CoreDeps } from './deps.js';
import { storiesTodayByNiche } from './stories-today.js';

/**
 * Everything /metrics reports from Postgres, read in one go per scrape. The numbers are computed from
 * the tables the other modules already write (batches, proxies, detections, deliveries, events) rather
 * than counted in process memory, for two reasons: the counts stay true across restarts and across
 * several worker processes (a per-process counter would only see its own share), and no domain module
 * has to import prom-client to be observable.
 */
export interface MetricsSnapshot {
  checks: Array<{ outcome: string; count: number }>;
  storiesTotal: number;
  /** Profiles with a story today (STORYWATCH_TIMEZONE) by niche: the count the daily target is compared to. */
  storiesToday: Array<{ niche: string; count: number }>;
  batchesByStatus: Array<{ status: string; count: number }>;
  /** Batches finished in the last 24 h: duration from start to finish. */
  finishedBatches: Array<{ status: string; trigger: string; seconds: number }>;
  proxies: ProxyRow[];
  deliveries: Array<{ status: string; count: number }>;
  deliveryTargets: Array<{ platform: string; enabled: boolean; count: number }>;
  imports: { runs: number; added: number; alreadyPresent: number; repeated: number; malformed: number };
}

export interface ProxyRow {
  id: number;
  address: string;
  enabled: boolean;
  health: string;
  coolingSeconds: number;
  cooldownLevel: number;
  successes: number;
  failures: number;
  failuresByOutcome: Record<string, number>;
  medianLatencyMs: number | null;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);

function median(values: readonly number[]): number | null {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function loadChecks(sql: Sql): Promise<MetricsSnapshot['checks']> {
  // Summed from the per-batch counters (a few rows an hour) instead of batch_items (a row per check),
  // so a scrape stays cheap however many checks have been made.
  const [row] = await sql<
    { checked: number; stories: number; private: number; not_found: number; deleted: number }[]
  >`select coalesce(sum(checked), 0)::int as checked, coalesce(sum(stories), 0)::int as stories,
           coalesce(sum(private), 0)::int as private, coalesce(sum(not_found), 0)::int as not_found,
           coalesce(sum(deleted), 0)::int as deleted
      from batches`;
  const errors = await sql<{ outcome: string; count: number }[]>`
    select e.key as outcome, coalesce(sum((e.value)::int), 0)::int as count
      from batches b, jsonb_each_text(b.errors) e
     group by e.key`;
  const errorCount = errors.reduce((n, e) => n + num(e.count), 0);
  const stories = num(row?.stories);
  const priv = num(row?.private);
  // A not-found answer is counted either as not_found or, when it was the second strike that marked
  // the profile deleted, as deleted (core/batches/record-result.ts); both are the not_found outcome.
  const notFound = num(row?.not_found) + num(row?.deleted);
  // `checked` counts every profile that reached an outcome, errors included; what is neither a story,
  // private, not found nor an error was a conclusive "no story".
  const noStory = Math.max(0, num(row?.checked) - stories - priv - notFound - errorCount);
  return [
    { outcome: 'story', count: stories },
    { outcome: 'no_story', count: noStory },
    { outcome: 'private', count: priv },
    { outcome: 'not_found', count: notFound },
    ...errors.map((e) => ({ outcome: e.outcome, count: num(e.count) })),
  ];
}

async function loadProxies(sql: Sql): Promise<ProxyRow[]> {
  const rows = await sql<
    {
      id: number;
      host: string;
      port: number;
      enabled: boolean;
      health: string;
      cooling_seconds: number;
      cooldown_level: number;
      successes: number;
      failures: number;
      failures_by_outcome: Record<string, number> | null;
      recent_latencies_ms: number[] | null;
    }[]
  >`select id, host, port, enabled, health, cooldown_level, successes, failures, failures_by_outcome,
           recent_latencies_ms,
           greatest(0, extract(epoch from (cooling_until - now())))::float8 as cooling_seconds
      from proxies order by id`;
  return rows.map((r) => ({
    id: r.id,
    // host:port only: the proxy user and password never become a label.
    address: `${r.host}:${r.port}`,
    enabled: r.enabled,
    health: r.health,
    coolingSeconds: num(r.cooling_seconds),
    cooldownLevel: num(r.cooldown_level),
    successes: num(r.successes),
    failures: num(r.failures),
    failuresByOutcome: r.failures_by_outcome ?? {},
    medianLatencyMs: median((r.recent_latencies_ms ?? []).map(num)),
  }));
}

async function loadImports(sql: Sql): Promise<MetricsSnapshot['imports']> {
  // The keys core/import writes into each import event's data.
  const [row] = await sql<
    { runs: number; added: number; already: number; repeated: number; malformed: number }[]
  >`
    select count(*)::int as runs,
           coalesce(sum((data->>'added')::int), 0)::int as added,
           coalesce(sum((data->>'alreadyPresent')::int), 0)::int as already,
           coalesce(sum((data->>'repeated')::int), 0)::int as repeated,
           coalesce(sum((data->>'malformed')::int), 0)::int as malformed
      from events where kind = 'import'`;
  return {
    runs: num(row?.runs),
    added: num(row?.added),
    alreadyPresent: num(row?.already),
    repeated: num(row?.repeated),
    malformed: num(row?.malformed),
  };
}

export async function loadMetricsSnapshot(
  deps: Pick<CoreDeps, 'sql'>,
  day: { timeZone: string; now: Date },
): Promise<MetricsSnapshot> {
  const { sql } = deps;
  const [checks, stories, storiesToday, batchesByStatus, finished, proxies, deliveries, targets, imports] =
    await Promise.all([
      loadChecks(sql),
      sql<{ n: number }[]>`select coalesce(sum(stories), 0)::int as n from batches`,
      storiesTodayByNiche(deps, day),
      sql<{ status: string; count: number }[]>`
        select status::text as status, count(*)::int as count from batches group by 1`,
      sql<{ status: string; trigger: string; seconds: number }[]>`
        select status::text as status, trigger::text as trigger,
               extract(epoch from (finished_at - started_at))::float8 as seconds
          from batches
         where finished_at > now() - interval '24 hours' and started_at is not null`,
      loadProxies(sql),
      sql<{ status: string; count: number }[]>`
        select status, count(*)::int as count from deliveries group by 1`,
      sql<{ platform: string; enabled: boolean; count: number }[]>`
        select platform::text as platform, enabled, count(*)::int as count from delivery_targets group by 1, 2`,
      loadImports(sql),
    ]);
  return {
    checks,
    storiesTotal: num(stories[0]?.n),
    storiesToday: storiesToday.map((r) => ({ niche: r.niche ?? 'unassigned', count: r.count })),
    batchesByStatus: batchesByStatus.map((r) => ({ status: r.status, count: num(r.count) })),
    finishedBatches: finished.map((r) => ({ status: r.status, trigger: r.trigger, seconds: num(r.seconds) })),
    proxies,
    deliveries: deliveries.map((r) => ({ status: r.status, count: num(r.count) })),
    deliveryTargets: targets.map((r) => ({ platform: r.platform, enabled: r.enabled, count: num(r.count) })),
    imports,
  };
}
