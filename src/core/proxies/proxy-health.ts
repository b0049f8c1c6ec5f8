import type { CoreDeps } from '../deps.js';
import { maskSecrets } from '../mask.js';

/**
 * What a `proxy test` does to a proxy's row. A failed test does not take the proxy out of service:
 * it cools it down with the pool's exponential cooldown (cooling_until / cooldown_level) and marks it
 * 'failing'; only `deadAfter` failures in a row (cooldown_level counts them: any success, a passing
 * test or an answer through the pool, resets it) mark it 'dead', and a dead proxy is retested on its
 * own with a backoff that doubles per further failure (`dueDeadProxies`).
 */
export interface ProxyTestHealthOptions {
  /** First cooldown after a failed test; doubles per failure in a row (the pool's default). */
  cooldownBaseMs: number;
  cooldownMaxMs: number;
  /** Failures in a row that mark a proxy dead. */
  deadAfter: number;
  /** Wait before a dead proxy is retested; doubles per failed retest. */
  retestBaseMs: number;
  retestMaxMs: number;
}

export const PROXY_TEST_HEALTH_DEFAULTS: ProxyTestHealthOptions = {
  cooldownBaseMs: 60_000,
  cooldownMaxMs: 3_600_000,
  deadAfter: 3,
  retestBaseMs: 5 * 60_000,
  retestMaxMs: 6 * 3_600_000,
};

/** A proxy's health as a test left it. */
export interface ProxyHealthState {
  health: string;
  coolingUntil: Date | null;
  /** Failures in a row (the cooldown step). */
  cooldownLevel: number;
}

type Row = { health: string; cooling_until: Date | null; cooldown_level: number };

const toState = (row: Row | undefined): ProxyHealthState | undefined =>
  row && { health: row.health, coolingUntil: row.cooling_until, cooldownLevel: row.cooldown_level };

/** A passing test: the proxy is ok, its cooldown ends and its failure streak is forgotten. */
export async function markProxyTestPassed(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  proxyId: number,
): Promise<ProxyHealthState | undefined> {
  const now = deps.clock.now();
  const rows = await deps.sql<Row[]>`
    update proxies set health = 'ok', cooling_until = null, cooldown_level = 0, last_tested_at = ${now}
    where id = ${proxyId}
    returning health, cooling_until, cooldown_level`;
  return toState(rows[0]);
}

/**
 * A failed test: the exponential cooldown of the pool (base * 2^level, capped, +-20 % jitter), one
 * step further, and 'failing' with the masked reason; 'dead' once `deadAfter` failures are in a row
 * (a dead proxy stays dead until a test passes). Unlike the pool's cooldown, every failed test counts
 * even while the proxy is cooling: each one is a deliberate probe, not a request already in flight.
 */
export async function coolDownAfterFailedTest(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  proxyId: number,
  reason: string,
  options: Pick<ProxyTestHealthOptions, 'cooldownBaseMs' | 'cooldownMaxMs' | 'deadAfter'>,
): Promise<ProxyHealthState | undefined> {
  const now = deps.clock.now();
  const jitter = 0.8 + Math.random() * 0.4;
  const masked = maskSecrets(reason).slice(0, 300);
  const rows = await deps.sql<Row[]>`
    update proxies set
      cooling_until = greatest(coalesce(cooling_until, ${now}::timestamptz), ${now}::timestamptz
        + make_interval(secs => least(${options.cooldownMaxMs}::float8,
          ${options.cooldownBaseMs}::float8 * power(2, least(cooldown_level, 40))) * ${jitter}::float8 / 1000.0)),
      cooldown_level = cooldown_level + 1,
      health = case when health = 'dead' or cooldown_level + 1 >= ${options.deadAfter} then 'dead'
                    else 'failing' end,
      last_error = ${masked},
      last_tested_at = ${now}
    where id = ${proxyId}
    returning health, cooling_until, cooldown_level`;
  return toState(rows[0]);
}

/**
 * Claims the dead proxies whose retest is due: last tested longer ago than retestBaseMs * 2^(failures
 * beyond deadAfter), capped at retestMaxMs. Claiming moves last_tested_at to now, so a second caller
 * (an overlapping sweep, another process) does not test the same proxies again.
 */
export async function claimDueDeadProxies(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  options: Pick<ProxyTestHealthOptions, 'deadAfter' | 'retestBaseMs' | 'retestMaxMs'> & { limit: number },
): Promise<number[]> {
  const now = deps.clock.now();
  const rows = await deps.sql<Array<{ id: number }>>`
    with due as (
      select id from proxies
      where health = 'dead' and enabled
        and (last_tested_at is null or last_tested_at <= ${now}::timestamptz
          - make_interval(secs => least(${options.retestMaxMs}::float8, ${options.retestBaseMs}::float8
            * power(2, greatest(0, least(cooldown_level - ${options.deadAfter}, 40)))) / 1000.0))
      order by last_tested_at nulls first, id
      limit ${options.limit}
      for update skip locked
    )
    update proxies p set last_tested_at = ${now} from due where p.id = due.id
    returning p.id`;
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/**
 * The pool's cooldown after a rate limit or a run of failed connections: base * 2^level (capped,
 * +-20 % jitter), one step further. Only the first failure of a streak escalates: requests already in
 * flight on a cooling proxy come back rate-limited too and must not double the wait each. Returns the
 * new cooldown, or null when the proxy was already cooling (then `coolingUntil` is the current one).
 */
export async function escalateProxyCooldown(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  proxyId: number,
  reason: string,
  options: { cooldownBaseMs: number; cooldownMaxMs: number },
): Promise<{ escalated: boolean; coolingUntil: Date | null; cooldownLevel: number | null }> {
  const now = deps.clock.now();
  const jitter = 0.8 + Math.random() * 0.4;
  const rows = await deps.sql<Array<{ cooling_until: Date; cooldown_level: number }>>`
    update proxies set
      cooling_until = ${now}::timestamptz + make_interval(secs => least(${options.cooldownMaxMs}::float8,
        ${options.cooldownBaseMs}::float8 * power(2, cooldown_level)) * ${jitter}::float8 / 1000.0),
      cooldown_level = cooldown_level + 1,
      last_error = ${maskSecrets(reason).slice(0, 300)}
    where id = ${proxyId} and (cooling_until is null or cooling_until <= ${now}::timestamptz)
    returning cooling_until, cooldown_level`;
  const row = rows[0];
  if (row) return { escalated: true, coolingUntil: row.cooling_until, cooldownLevel: row.cooldown_level };
  const [current] = await deps.sql<Array<{ cooling_until: Date | null }>>`
    select cooling_until from proxies where id = ${proxyId}`;
  return { escalated: false, coolingUntil: current?.cooling_until ?? null, cooldownLevel: null };
}

/** How many recent latencies a proxy row keeps for its median. */
export const LATENCY_WINDOW = 25;

/** What the checker's requests through one proxy added up to since the last flush. */
export interface ProxyHealthStats {
  id: number;
  successes: number;
  failures: number;
  byOutcome: Record<string, number>;
  /** Newest last; the row keeps the latest LATENCY_WINDOW of its own and these. */
  latencies: number[];
  /** Already masked. */
  lastError: string | null;
  lastUsedAt: Date | null;
}

/**
 * Adds the checker's accumulated request stats to the proxies' rows in one statement (one per
 * flush, not per request: a write per request would make Postgres the checker's bottleneck).
 */
export async function addProxyHealthStats(
  deps: Pick<CoreDeps, 'sql'>,
  stats: readonly ProxyHealthStats[],
): Promise<void> {
  if (stats.length === 0) return;
  const rows = stats.map((p) => ({
    id: p.id,
    s: p.successes,
    f: p.failures,
    fb: p.byOutcome,
    lat: p.latencies,
    err: p.lastError,
    used: p.lastUsedAt?.toISOString() ?? null,
  }));
  await deps.sql`
    update proxies p set
      successes = p.successes + v.s,
      failures = p.failures + v.f,
      failures_by_outcome = (
        select coalesce(jsonb_object_agg(k, n), '{}'::jsonb) from (
          select k, sum(n)::int as n from (
            select key as k, value::int as n from jsonb_each_text(p.failures_by_outcome)
            union all
            select key, value::int from jsonb_each_text(v.fb)
          ) a group by k
        ) b
      ),
      recent_latencies_ms = (
        select coalesce(jsonb_agg(x order by ord), '[]'::jsonb) from (
          select x, ord from jsonb_array_elements(p.recent_latencies_ms || v.lat) with ordinality as t(x, ord)
          order by ord desc limit ${LATENCY_WINDOW}
        ) r
      ),
      last_error = coalesce(v.err, p.last_error),
      last_used_at = greatest(p.last_used_at, v.used),
      -- A success outside a cooldown ends the backoff streak.
      cooldown_level = case when v.s > 0 and (p.cooling_until is null or p.cooling_until <= now()) then 0
                            else p.cooldown_level end,
      -- What happened to it last: answers (ok), or only failures since its last answer (failing);
      -- 'dead' is the proxy test's word and only a success or a passing test lifts it.
      health = case when v.s > 0 then 'ok' when v.f > 0 and p.health <> 'dead' then 'failing' else p.health end
    from jsonb_to_recordset(${deps.sql.json(rows)}::jsonb)
      as v(id int, s int, f int, fb jsonb, lat jsonb, err text, used timestamptz)
    where p.id = v.id`;
}
