import type { CoreDeps } from '../core/deps.js';
import { maskSecrets } from '../core/mask.js';

/** How many recent latencies a proxy row keeps for its median. */
export const LATENCY_WINDOW = 25;

interface Pending {
  successes: number;
  failures: number;
  byOutcome: Record<string, number>;
  latencies: number[];
  lastError: string | null;
  lastUsedAt: Date | null;
}

/**
 * Health stats per proxy, accumulated in memory and written in one statement every few seconds: a
 * write per request would make Postgres the checker's bottleneck.
 */
export class HealthRecorder {
  private pending = new Map<number, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: Pick<CoreDeps, 'sql' | 'log' | 'clock'>,
    private readonly flushEveryMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushEveryMs);
    this.timer.unref();
  }

  record(
    proxyId: number,
    result: { ok: boolean; outcome?: string; latencyMs: number; error?: string },
  ): void {
    let p = this.pending.get(proxyId);
    if (!p) {
      p = { successes: 0, failures: 0, byOutcome: {}, latencies: [], lastError: null, lastUsedAt: null };
      this.pending.set(proxyId, p);
    }
    if (result.ok) p.successes++;
    else {
      p.failures++;
      const k = result.outcome ?? 'error';
      p.byOutcome[k] = (p.byOutcome[k] ?? 0) + 1;
      if (result.error) p.lastError = maskSecrets(result.error).slice(0, 300);
    }
    p.latencies.push(result.latencyMs);
    if (p.latencies.length > LATENCY_WINDOW) p.latencies.shift();
    p.lastUsedAt = this.deps.clock.now();
  }

  /** Writes what has accumulated; concurrent calls queue behind each other. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.write())
      .catch((err: unknown) => {
        this.deps.log.warn({ errMessage: (err as Error).message }, 'proxy health stats flush failed');
      });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.entries()].map(([id, p]) => ({
      id,
      s: p.successes,
      f: p.failures,
      fb: p.byOutcome,
      lat: p.latencies,
      err: p.lastError,
      used: p.lastUsedAt?.toISOString() ?? null,
    }));
    this.pending = new Map();
    await this.deps.sql`
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
      from jsonb_to_recordset(${this.deps.sql.json(batch)}::jsonb)
        as v(id int, s int, f int, fb jsonb, lat jsonb, err text, used timestamptz)
      where p.id = v.id`;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
