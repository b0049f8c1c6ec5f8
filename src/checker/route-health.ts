import type { Redis } from 'ioredis';
import { ROUTE_NAMES, type RouteName } from '../core/instagram/index.js';
import type { AnswerClass } from './answer-class.js';

/**
 * Route health shared by every worker (Redis), so a route one process finds walled or retired is
 * skipped by all of them within a second.
 *
 * The rule (docs/instagram.md, "When a route is suspended"): an answer of a route-level class (wall,
 * retired, fingerprint, changed) marks that route x lane (a proxy, or a session) bad, and that lane is
 * skipped for that route for `laneBlockMs`. The route itself is suspended only when, since the route's
 * last success and within `windowMs`, enough *distinct* lanes answered so: 3 for a wall or fingerprint
 * (one IP can be walled where others are not), 2 for a retirement or changed shape (a property of the
 * route, not of an IP), or every lane there is when there are fewer. A suspension lasts `baseMs`
 * doubling per repeat up to `maxMs`; then the route is on probation: one request at a time may try it;
 * a success restores it, a route-level failure suspends it again for longer. A success from any lane
 * clears a suspension. Rate limits (429) are about an IP and cool the proxy instead, as before.
 */
export interface RouteState {
  state: 'active' | 'suspended';
  until: number;
  level: number;
  /** When the current suspension started (the alert key), 0 when active. */
  since: number;
  reason: string;
  lastOkAt: number;
}

export type RouteStatus = 'active' | 'probation' | 'suspended';

export interface RouteTransition {
  kind: 'suspended' | 'recovered';
  route: RouteName;
  since: number;
  reason: string;
}

export interface RouteHealthOptions {
  windowMs: number;
  baseMs: number;
  maxMs: number;
  laneBlockMs: number;
  refreshMs: number;
  now: () => number;
}

export const DEFAULT_ROUTE_HEALTH: RouteHealthOptions = {
  windowMs: 15 * 60_000,
  baseMs: 5 * 60_000,
  maxMs: 2 * 3600_000,
  laneBlockMs: 10 * 60_000,
  refreshMs: 1_000,
  now: Date.now,
};

const BAD_SCRIPT = `
local routes, bad = KEYS[1], KEYS[2]
local route, lane, cls, now, sample = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local needed, window, base, max = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
redis.call('HSET', bad, lane, cls .. '|' .. ARGV[4] .. '|' .. sample)
redis.call('PEXPIRE', bad, 86400000)
local raw = redis.call('HGET', routes, route)
local st = raw and cjson.decode(raw) or { state = 'active', ['until'] = 0, level = 0, since = 0, reason = '', lastOkAt = 0 }
if st.state == 'suspended' and now < st['until'] then return '' end
local probation = st.state == 'suspended'
local floor = math.max(now - window, st.lastOkAt or 0)
local n = 0
local lanes = redis.call('HGETALL', bad)
local strong = (cls == 'retired' or cls == 'changed')
for i = 1, #lanes, 2 do
  local c, ts = string.match(lanes[i + 1], '^([^|]+)|([^|]+)|')
  if ts and tonumber(ts) > floor then
    if strong then
      if c == 'retired' or c == 'changed' then n = n + 1 end
    elseif c == 'wall' or c == 'fingerprint' or c == 'retired' or c == 'changed' then n = n + 1 end
  end
end
if not probation and n < needed then return '' end
local level = st.level or 0
local span = math.min(max, base * (2 ^ level))
local since = probation and st.since or now
local reason = cls .. ' via ' .. n .. ' lane' .. (n == 1 and '' or 's') .. ': ' .. sample
redis.call('HSET', routes, route, cjson.encode({ state = 'suspended', ['until'] = now + span, level = level + 1, since = since, reason = reason, lastOkAt = st.lastOkAt or 0 }))
if probation then return '' end
return cjson.encode({ since = since, reason = reason })
`;

const OK_SCRIPT = `
local routes, bad = KEYS[1], KEYS[2]
local route, lane, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
redis.call('HDEL', bad, lane)
local raw = redis.call('HGET', routes, route)
local st = raw and cjson.decode(raw) or { state = 'active', level = 0 }
redis.call('HSET', routes, route, cjson.encode({ state = 'active', ['until'] = 0, level = 0, since = 0, reason = '', lastOkAt = now }))
if st.state == 'suspended' then return cjson.encode({ since = st.since or 0, reason = st.reason or '' }) end
return ''
`;

interface BadEntry {
  cls: string;
  at: number;
  sample: string;
}

export class RouteHealth {
  private states = new Map<RouteName, RouteState>();
  private bad = new Map<RouteName, Map<string, BadEntry>>();
  private lastOkWritten = new Map<RouteName, number>();
  private counters = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  readonly options: RouteHealthOptions;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: Partial<RouteHealthOptions> = {},
  ) {
    this.options = { ...DEFAULT_ROUTE_HEALTH, ...options };
  }

  private routesKey(): string {
    return `${this.prefix}:routes`;
  }
  private badKey(route: RouteName): string {
    return `${this.prefix}:route-bad:${route}`;
  }
  private statsKey(): string {
    return `${this.prefix}:route-stats`;
  }

  async start(): Promise<void> {
    await this.refresh().catch(() => {});
    this.timer = setInterval(() => {
      void this.refresh().catch(() => {});
      void this.flushCounters().catch(() => {});
    }, this.options.refreshMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushCounters().catch(() => {});
  }

  /** Reloads every route's state and bad lanes (one pipelined round trip). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const pipe = this.redis.pipeline();
    pipe.hgetall(this.routesKey());
    for (const r of ROUTE_NAMES) pipe.hgetall(this.badKey(r));
    const out = (await pipe.exec()) ?? [];
    const routes = (out[0]?.[1] ?? {}) as Record<string, string>;
    const states = new Map<RouteName, RouteState>();
    for (const [name, json] of Object.entries(routes)) {
      try {
        states.set(name as RouteName, JSON.parse(json) as RouteState);
      } catch {
        // a foreign value: treated as active
      }
    }
    this.states = states;
    ROUTE_NAMES.forEach((r, i) => {
      const lanes = (out[i + 1]?.[1] ?? {}) as Record<string, string>;
      const map = new Map<string, BadEntry>();
      for (const [lane, v] of Object.entries(lanes)) {
        const [cls = '', at = '0', ...rest] = v.split('|');
        map.set(lane, { cls, at: Number(at), sample: rest.join('|') });
      }
      this.bad.set(r, map);
    });
  }

  state(route: RouteName): RouteState {
    return (
      this.states.get(route) ?? { state: 'active', until: 0, level: 0, since: 0, reason: '', lastOkAt: 0 }
    );
  }

  status(route: RouteName, now = this.options.now()): RouteStatus {
    const s = this.state(route);
    if (s.state !== 'suspended') return 'active';
    return now < s.until ? 'suspended' : 'probation';
  }

  /** Lanes that answered this route with a route-level failure recently: skip them for it. */
  blockedLanes(route: RouteName, now = this.options.now()): Set<string> {
    const out = new Set<string>();
    const since = now - this.options.laneBlockMs;
    for (const [lane, e] of this.bad.get(route) ?? []) if (e.at > since) out.add(lane);
    return out;
  }

  /** Probation allows one trial at a time across all processes (a 30 s claim). */
  async claimTrial(route: RouteName): Promise<boolean> {
    const got = await this.redis.set(`${this.prefix}:route-trial:${route}`, '1', 'PX', 30_000, 'NX');
    return got === 'OK';
  }

  /** Counts an answer for /metrics (flushed to Redis with the refresh). */
  count(route: RouteName, cls: AnswerClass): void {
    const k = `${route}|${cls}`;
    this.counters.set(k, (this.counters.get(k) ?? 0) + 1);
  }

  private async flushCounters(): Promise<void> {
    if (this.counters.size === 0) return;
    const counts = this.counters;
    this.counters = new Map();
    const pipe = this.redis.pipeline();
    for (const [k, n] of counts) pipe.hincrby(this.statsKey(), k, n);
    await pipe.exec();
  }

  /**
   * A route-level failure through one lane. Returns the transition when this answer suspended the
   * route (exactly one caller across all processes gets it: the script runs atomically in Redis).
   */
  async recordBad(
    route: RouteName,
    lane: string,
    cls: AnswerClass,
    sample: string,
    lanesAvailable: number,
  ): Promise<RouteTransition | null> {
    const now = this.options.now();
    const clean = sample.replace(/\|/g, '/').slice(0, 160);
    const map = this.bad.get(route) ?? new Map<string, BadEntry>();
    map.set(lane, { cls, at: now, sample: clean });
    this.bad.set(route, map);
    const strong = cls === 'retired' || cls === 'changed';
    const needed = Math.max(1, Math.min(strong ? 2 : 3, lanesAvailable));
    const o = this.options;
    const res = (await this.redis.eval(
      BAD_SCRIPT,
      2,
      this.routesKey(),
      this.badKey(route),
      route,
      lane,
      cls,
      String(now),
      clean,
      String(needed),
      String(o.windowMs),
      String(o.baseMs),
      String(o.maxMs),
    )) as string;
    await this.refresh();
    if (!res) return null;
    const t = JSON.parse(res) as { since: number; reason: string };
    return { kind: 'suspended', route, since: t.since, reason: t.reason };
  }

  /**
   * A success through one lane. Written to Redis only when it changes something (the lane was bad,
   * the route suspended, or the last success on record is older than a few seconds), so a healthy
   * route costs no Redis call per request.
   */
  async recordOk(route: RouteName, lane: string): Promise<RouteTransition | null> {
    const now = this.options.now();
    const s = this.state(route);
    const laneBad = this.bad.get(route)?.has(lane) ?? false;
    if (s.state !== 'suspended' && !laneBad && now - (this.lastOkWritten.get(route) ?? 0) < 5_000)
      return null;
    this.lastOkWritten.set(route, now);
    this.bad.get(route)?.delete(lane);
    const res = (await this.redis.eval(
      OK_SCRIPT,
      2,
      this.routesKey(),
      this.badKey(route),
      route,
      lane,
      String(now),
    )) as string;
    this.states.set(route, { state: 'active', until: 0, level: 0, since: 0, reason: '', lastOkAt: now });
    if (!res) return null;
    const t = JSON.parse(res) as { since: number; reason: string };
    return { kind: 'recovered', route, since: t.since, reason: t.reason };
  }

  /** The last route-level failure per lane (for `instagram routes`). */
  badLanes(route: RouteName): Array<{ lane: string } & BadEntry> {
    return [...(this.bad.get(route) ?? [])].map(([lane, e]) => ({ lane, ...e }));
  }
}

/** Reads the per-route answer counters (for /metrics, from any process). */
export async function readRouteStats(
  redis: Redis,
  prefix: string,
): Promise<Array<{ route: string; cls: string; n: number }>> {
  const all = await redis.hgetall(`${prefix}:route-stats`);
  return Object.entries(all).map(([k, v]) => {
    const [route = '', cls = ''] = k.split('|');
    return { route, cls, n: Number(v) };
  });
}

/** Reads every route's state (for /metrics and commands in processes without a checker). */
export async function readRouteStates(redis: Redis, prefix: string): Promise<Map<string, RouteState>> {
  const all = await redis.hgetall(`${prefix}:routes`);
  const out = new Map<string, RouteState>();
  for (const [k, v] of Object.entries(all)) {
    try {
      out.set(k, JSON.parse(v) as RouteState);
    } catch {
      // ignored
    }
  }
  return out;
}

export interface RouteView {
  route: RouteName;
  status: RouteStatus;
  reason: string;
  until: number;
  lastOkAt: number;
  walledLanes: number;
  answers: Record<string, number>;
}

/** Every route's health as stored in Redis (for `instagram routes` and /metrics, from any process). */
export async function readRouteView(redis: Redis, prefix: string, now = Date.now()): Promise<RouteView[]> {
  const pipe = redis.pipeline();
  pipe.hgetall(`${prefix}:routes`);
  pipe.hgetall(`${prefix}:route-stats`);
  for (const r of ROUTE_NAMES) pipe.hgetall(`${prefix}:route-bad:${r}`);
  const out = (await pipe.exec()) ?? [];
  const states = (out[0]?.[1] ?? {}) as Record<string, string>;
  const stats = (out[1]?.[1] ?? {}) as Record<string, string>;
  return ROUTE_NAMES.map((route, i) => {
    let st: RouteState | undefined;
    try {
      st = states[route] ? (JSON.parse(states[route]) as RouteState) : undefined;
    } catch {
      st = undefined;
    }
    const bad = (out[i + 2]?.[1] ?? {}) as Record<string, string>;
    const walledLanes = Object.values(bad).filter(
      (v) => Number(v.split('|')[1] ?? 0) > now - DEFAULT_ROUTE_HEALTH.laneBlockMs,
    ).length;
    const answers: Record<string, number> = {};
    for (const [k, v] of Object.entries(stats)) {
      const [r, cls] = k.split('|');
      if (r === route && cls) answers[cls] = Number(v);
    }
    const suspended = st?.state === 'suspended';
    return {
      route,
      status: suspended ? (now < (st?.until ?? 0) ? 'suspended' : 'probation') : 'active',
      reason: st?.reason ?? '',
      until: st?.until ?? 0,
      lastOkAt: st?.lastOkAt ?? 0,
      walledLanes,
      answers,
    };
  });
}
