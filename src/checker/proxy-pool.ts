import { Agent, type Dispatcher } from 'undici';
import { NO_PROXY_ADVICE } from '../core/batches/index.js';
import type { CoreDeps } from '../core/deps.js';
import { throttledWarn } from '../core/log-throttle.js';
import { loadProxyCredentials, onProxiesChanged, type ProxyCredentials } from '../core/proxies/index.js';
import type { HealthRecorder } from './health-recorder.js';
import { coolDownLane } from './lane-cooldown.js';
import { createProxyDispatcher } from './proxy-dispatcher.js';
import type { RateBudget } from './rate-budget.js';

export const DIRECT_KEY = 'direct';

/** One way out to Instagram: an operator proxy, or the server's own address when ALLOW_DIRECT is on. */
export interface Lane {
  key: string;
  proxyId: number | null;
  address: string;
  dispatcher: Dispatcher;
  /** Identity of the credentials the dispatcher was built with (rebuilt when they change). */
  fingerprint: string;
  coolingUntil: number;
  cooldownLevel: number;
  dead: boolean;
  removed: boolean;
  inFlight: number;
  consecutiveProxyFailures: number;
}

/** A lane with no history: not cooling, nothing in flight. */
function newLane(
  key: string,
  proxyId: number | null,
  address: string,
  dispatcher: Dispatcher,
  fingerprint: string,
): Lane {
  return {
    key,
    proxyId,
    address,
    dispatcher,
    fingerprint,
    coolingUntil: 0,
    cooldownLevel: 0,
    dead: false,
    removed: false,
    inFlight: 0,
    consecutiveProxyFailures: 0,
  };
}

export interface PoolOptions {
  allowDirect: boolean;
  cooldownBaseMs: number;
  cooldownMaxMs: number;
  /** Longest a request waits for a proxy with budget before it is given up as rate_limited. */
  acquireTimeoutMs: number;
  refreshMs: number;
  /** Consecutive network failures through one proxy before it is cooled down like a rate limit. */
  proxyFailureCooldownAfter: number;
  /** Request timeout, also applied to the CONNECT exchange with the proxy. */
  timeoutMs: number;
}

export type Acquired =
  | { lane: Lane }
  | { none: 'rate_limited' | 'proxy_failed' | 'transient'; detail: string };

function fingerprint(p: ProxyCredentials): string {
  return `${p.host}:${p.port}:${p.username ?? ''}:${p.password ?? ''}`;
}

/**
 * The operator's proxies as lanes. Rotation, budgets (Redis) and cooldowns (persisted on the proxy
 * row) decide which lane a request takes; a removed proxy finishes its in-flight requests and gets no
 * more. Changes reach every process at once through a Postgres NOTIFY, with a periodic reload behind.
 */
export class ProxyPool {
  private lanes = new Map<string, Lane>();
  private waiters = new Set<() => void>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private refreshing: Promise<void> | undefined;
  private loaded = false;
  private readonly unreadableLogged = new Set<number>();
  private readonly reloadListeners: Array<() => void> = [];
  private readonly warnOnce: ReturnType<typeof throttledWarn>;

  constructor(
    private readonly deps: CoreDeps,
    private readonly budget: RateBudget,
    private readonly health: HealthRecorder,
    private readonly options: PoolOptions,
  ) {
    this.warnOnce = throttledWarn(deps.log);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.unlisten = await onProxiesChanged(this.deps, () => void this.refresh());
    this.refreshTimer = setInterval(() => void this.refresh(), this.options.refreshMs);
    this.refreshTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.unlisten?.().catch(() => {});
    for (const wake of this.waiters) wake();
    await Promise.allSettled([...this.lanes.values()].map((l) => l.dispatcher.destroy()));
    this.lanes.clear();
  }

  /** Called after every reload (sessions follow proxy and session changes through it). */
  onReload(listener: () => void): void {
    this.reloadListeners.push(listener);
  }

  /** Reloads proxies from Postgres (coalescing concurrent calls). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    let rows: ProxyCredentials[];
    try {
      rows = await loadProxyCredentials(this.deps);
    } catch (err) {
      this.deps.log.error({ err }, 'cannot load proxies');
      if (this.loaded) return;
      throw err;
    }
    this.loaded = true;
    const seen = new Set<string>();
    for (const p of rows) {
      if (!p.enabled) continue;
      if (p.unreadable) {
        if (!this.unreadableLogged.has(p.id)) {
          this.unreadableLogged.add(p.id);
          this.deps.log.error(
            { proxyId: p.id, err: p.unreadable },
            'proxy password cannot be decrypted; proxy skipped',
          );
        }
        continue;
      }
      const key = String(p.id);
      seen.add(key);
      const fp = fingerprint(p);
      let lane = this.lanes.get(key);
      if (lane && lane.fingerprint !== fp) {
        this.retire(lane);
        lane = undefined;
      }
      if (!lane) {
        lane = newLane(
          key,
          p.id,
          `${p.host}:${p.port}`,
          createProxyDispatcher(p, this.options.timeoutMs),
          fp,
        );
        this.lanes.set(key, lane);
      }
      // Keep a cooldown this process applied but could not store, unless the row says it was lifted
      // (a passing `proxy test` clears it and resets the level).
      lane.coolingUntil =
        p.coolingUntil === null && p.cooldownLevel === 0
          ? 0
          : Math.max(lane.coolingUntil, p.coolingUntil?.getTime() ?? 0);
      lane.cooldownLevel = p.cooldownLevel;
      lane.dead = p.health === 'dead';
    }
    if (this.options.allowDirect && !this.lanes.has(DIRECT_KEY)) {
      seen.add(DIRECT_KEY);
      this.lanes.set(
        DIRECT_KEY,
        newLane(DIRECT_KEY, null, 'direct', new Agent({ keepAliveTimeout: 30_000 }), DIRECT_KEY),
      );
    }
    if (this.options.allowDirect) seen.add(DIRECT_KEY);
    for (const lane of [...this.lanes.values()]) if (!seen.has(lane.key)) this.retire(lane);
    this.wake();
    for (const listener of this.reloadListeners) listener();
  }

  /** A removed proxy: no new requests; its connections close once in-flight requests are done. */
  private retire(lane: Lane): void {
    lane.removed = true;
    this.lanes.delete(lane.key);
    if (lane.inFlight === 0) void lane.dispatcher.close().catch(() => {});
    this.deps.log.info({ proxyId: lane.proxyId, inFlight: lane.inFlight }, 'proxy retired from the pool');
  }

  private wake(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  usableLanes(now = this.deps.clock.now().getTime()): Lane[] {
    return [...this.lanes.values()].filter((l) => !l.removed && !l.dead && l.coolingUntil <= now);
  }

  /** Why no request can go out now, in the operator's words; null when a proxy is ready. */
  waitReason(now = this.deps.clock.now().getTime()): string | null {
    const live = this.liveLanes();
    if (live.length === 0)
      return this.options.allowDirect ? 'no usable proxy' : 'no usable proxy (all removed, disabled or dead)';
    if (live.some((l) => l.coolingUntil <= now)) return null;
    const next = Math.min(...live.map((l) => l.coolingUntil)) - now;
    const s = Math.ceil(next / 1000);
    const when = s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
    return `all ${live.length} ${live.length === 1 ? 'proxy' : 'proxies'} cooling down, next ready in ${when}`;
  }

  /** Lanes that exist and are not dead (cooling ones included). */
  liveLanes(): Lane[] {
    return [...this.lanes.values()].filter((l) => !l.removed && !l.dead);
  }

  lane(key: string): Lane | undefined {
    return this.lanes.get(key);
  }

  /**
   * Waits for a lane with budget: the healthy one that has waited longest, avoiding `avoid` (lanes
   * this profile already failed on) unless nothing else exists; `only` restricts to given lanes
   * (a session's sticky proxy).
   */
  async acquire(
    opts: {
      avoid?: ReadonlySet<string>;
      /** Lanes never to use (walled for the route asking); unlike `avoid`, not a preference. */
      exclude?: ReadonlySet<string>;
      only?: ReadonlySet<string>;
      signal?: AbortSignal;
    } = {},
  ): Promise<Acquired> {
    const deadline = Date.now() + this.options.acquireTimeoutMs;
    for (;;) {
      if (opts.signal?.aborted) return { none: 'rate_limited', detail: 'cancelled' };
      let live = this.liveLanes().filter(
        (l) => (!opts.only || opts.only.has(l.key)) && !opts.exclude?.has(l.key),
      );
      if (live.length === 0) {
        const detail = opts.only
          ? "the session's proxy is gone or dead"
          : opts.exclude && opts.exclude.size > 0 && this.liveLanes().length > 0
            ? 'every proxy is walled for this route'
            : this.options.allowDirect
              ? 'no usable proxy'
              : NO_PROXY_ADVICE;
        return { none: 'proxy_failed', detail };
      }
      const now = this.deps.clock.now().getTime();
      // The server's own address is a last resort: only when no operator proxy is ready.
      if (live.some((l) => l.proxyId !== null && l.coolingUntil <= now)) {
        live = live.filter((l) => l.proxyId !== null);
      }
      // Prefer a proxy this profile has not failed on; if none of those is free now, any free one
      // beats waiting out a cooldown.
      const liveReady = live.filter((l) => l.coolingUntil <= now);
      const freshReady = liveReady.filter((l) => !opts.avoid?.has(l.key));
      const ready = freshReady.length > 0 ? freshReady : liveReady;
      const pool = live;
      let waitMs: number;
      if (ready.length > 0) {
        let r: Awaited<ReturnType<RateBudget['reserve']>>;
        try {
          r = await this.budget.reserve(ready.map((l) => l.key));
        } catch (err) {
          // Without Redis the budgets cannot be honoured: no request goes out, the check is an error.
          this.warnOnce('budget', { err }, 'proxy budget unavailable (Redis)');
          return { none: 'transient', detail: 'request budget unavailable (Redis unreachable)' };
        }
        if ('key' in r) {
          let lane = this.lanes.get(r.key);
          if (lane && r.startsInMs > 0) {
            await this.sleep(r.startsInMs, opts.signal);
            // Booked ahead: while waiting, the proxy may have cooled down, died or been removed; the
            // slot is then given up (a gap in its spacing harms nothing) and the choice made again.
            if (lane.removed || lane.dead || lane.coolingUntil > this.deps.clock.now().getTime())
              lane = undefined;
          }
          if (lane && !lane.removed) {
            lane.inFlight++;
            return { lane };
          }
          continue;
        }
        waitMs = r.waitMs;
      } else {
        waitMs = Math.min(...pool.map((l) => l.coolingUntil - now));
      }
      const left = deadline - Date.now();
      if (left <= 0 || (ready.length === 0 && waitMs > left)) {
        const until = new Date(now + waitMs).toISOString();
        return {
          none: 'rate_limited',
          detail:
            ready.length === 0
              ? `every proxy is cooling down (first free at ${until})`
              : 'no proxy has request budget left',
        };
      }
      await this.sleep(Math.min(waitMs + Math.floor(Math.random() * 5), left), opts.signal);
    }
  }

  /** Gives back a lane that was acquired but not used. */
  abandon(lane: Lane): void {
    lane.inFlight--;
    if (lane.removed && lane.inFlight === 0) void lane.dispatcher.close().catch(() => {});
  }

  /** Ends a request on a lane: health stats, cooldowns, and the close of a retired proxy. */
  async release(
    lane: Lane,
    result: { ok: boolean; outcome?: string; latencyMs: number; detail?: string },
  ): Promise<void> {
    lane.inFlight--;
    if (lane.removed && lane.inFlight === 0) void lane.dispatcher.close().catch(() => {});
    if (lane.proxyId !== null) {
      this.health.record(lane.proxyId, {
        ok: result.ok,
        latencyMs: result.latencyMs,
        ...(result.outcome ? { outcome: result.outcome } : {}),
        ...(result.detail ? { error: result.detail } : {}),
      });
    }
    if (result.outcome === 'proxy_failed') {
      lane.consecutiveProxyFailures++;
      if (lane.consecutiveProxyFailures >= this.options.proxyFailureCooldownAfter) {
        lane.consecutiveProxyFailures = 0;
        await coolDownLane(this.deps, this.options, lane, result.detail ?? 'proxy failures');
      }
    } else {
      lane.consecutiveProxyFailures = 0;
    }
    // A wall is about one route from this IP (route-health.ts skips the lane for that route); only a
    // rate limit is about the IP as a whole.
    if (result.outcome === 'rate_limited') {
      await coolDownLane(this.deps, this.options, lane, result.detail ?? result.outcome);
    }
  }
}
