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
