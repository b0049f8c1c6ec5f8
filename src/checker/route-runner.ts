import type { CoreDeps } from '../core/deps.js';
import type { RouteName } from '../core/instagram/index.js';
import { throttledWarn } from '../core/log-throttle.js';
import type { Logger } from '../core/logger.js';
import type { SessionCredentials } from '../core/sessions/session-store.js';
import { type CheckerAlert, fingerprintAlert, routeAlert, sessionAlert } from './alerts.js';
import { type Classified, ROUTE_EVIDENCE } from './answer-class.js';
import { documentHeaders, type Identity, xhrHeaders } from './browser-headers.js';
import type { ConfigCache } from './config-cache.js';
import type { Lane, ProxyPool } from './proxy-pool.js';
import type { RouteHealth } from './route-health.js';
import type { Route, RouteRequest } from './routes/index.js';
import { type SessionPool, sessionLaneKey } from './session-pool.js';
import { fetchRaw, type RawAnswer } from './transport.js';

/** A lane taken for one request on a route: a proxy (anonymous routes) or a session on its proxy. */
export interface Leased {
  lane: Lane;
  session?: SessionCredentials;
  cookie?: string;
  /** The lane as route health knows it: `p<proxy key>` or `s<session id>`. */
  healthKey: string;
}

export interface LeaseOptions {
  avoidLanes?: ReadonlySet<string>;
  excludeLanes?: ReadonlySet<string>;
  avoidSessions?: ReadonlySet<number>;
  onlySession?: number;
  /** One proxy lane only (the doctor probes each lane in turn). */
  onlyLane?: string;
  /** Use walled lanes too (the doctor must see whether a wall is still there). */
  ignoreBlocks?: boolean;
  signal?: AbortSignal;
}

export type NoLane = { none: 'rate_limited' | 'proxy_failed' | 'transient' | 'no_session'; detail: string };

export const proxyLaneKey = (poolKey: string) => `p${poolKey}`;

/**
 * Sends requests on routes and keeps the books: chooses a usable route in the operator's order, takes
 * a lane for it, sends with browser headers, and records what the answer says about the proxy, the
 * session and the route (raising the alerts those records call for).
 */
export class RouteRunner {
  readonly log: Logger;
  private readonly baseUrl: string;
  private readonly warnOnce: ReturnType<typeof throttledWarn>;

  constructor(
    private readonly deps: CoreDeps,
    readonly pool: ProxyPool,
    readonly sessions: SessionPool,
    readonly health: RouteHealth,
    readonly config: ConfigCache,
    private readonly settings: { instagramUrl: string; timeoutMs: number },
    private readonly emit: (alert: CheckerAlert) => void,
  ) {
    this.log = deps.log.child({ component: 'checker' });
    this.warnOnce = throttledWarn(this.log);
    this.baseUrl = settings.instagramUrl.replace(/\/+$/, '');
  }

  private blockedSessions(route: Route, avoid?: ReadonlySet<number>): Set<number> {
    const out = new Set(avoid ?? []);
    for (const k of this.health.blockedLanes(route.name)) if (k.startsWith('s')) out.add(Number(k.slice(1)));
    return out;
  }

  private blockedProxies(route: Route): Set<string> {
    const out = new Set<string>();
    for (const k of this.health.blockedLanes(route.name)) if (k.startsWith('p')) out.add(k.slice(1));
    return out;
  }

  /** Lanes that could carry this route at all (for the suspension rule's "several lanes"). */
  lanesFor(route: Route): number {
    return route.needsSession ? this.sessions.usableCount() : this.pool.liveLanes().length;
  }

  /** Usable now: not suspended, and a lane exists that is not walled for it. */
  usable(route: Route, avoidSessions?: ReadonlySet<number>): boolean {
    if (this.health.status(route.name) === 'suspended') return false;
    if (route.needsSession) return this.sessions.hasReadySession(this.blockedSessions(route, avoidSessions));
    const blocked = this.blockedProxies(route);
    return this.pool.liveLanes().some((l) => !blocked.has(l.key));
  }

  /**
   * Whether a route of this order can be used in a moment though none can now: one on probation whose
   * trial another check holds, or a session route whose sessions' proxies are only cooling down.
   */
  soonUsable(
    order: readonly RouteName[],
    byName: Partial<Record<RouteName, Route>>,
    avoidSessions?: ReadonlySet<number>,
  ): boolean {
    return order.some((name) => {
      const route = byName[name];
      if (!route) return false;
      const status = this.health.status(name);
      if (status === 'suspended') return false;
      if (route.needsSession)
        return this.sessions.usableCount(this.blockedSessions(route, avoidSessions)) > 0;
      return status === 'probation';
    });
  }

  /** The first usable route in the operator's order (a route on probation only with the trial claim). */
  async choose<R extends Route>(
    order: readonly RouteName[],
    byName: Partial<Record<RouteName, R>>,
    skip: ReadonlySet<RouteName>,
    avoidSessions?: ReadonlySet<number>,
  ): Promise<R | null> {
    for (const name of order) {
      const route = byName[name];
      if (!route || skip.has(name) || !this.usable(route, avoidSessions)) continue;
      if (
        this.health.status(name) === 'probation' &&
        !(await this.health.claimTrial(name).catch(() => false))
      )
        continue;
      return route;
    }
    return null;
  }

  async lease(route: Route, opts: LeaseOptions = {}): Promise<Leased | NoLane> {
    if (route.needsSession) {
      const got = await this.sessions.acquire(
        opts.ignoreBlocks
          ? new Set(opts.avoidSessions ?? [])
          : this.blockedSessions(route, opts.avoidSessions),
        opts.signal,
        opts.onlySession,
      );
      if (!got) return { none: 'no_session', detail: 'no session can take it now' };
      if (opts.signal?.aborted) return this.giveBack(got.lane);
      return {
        lane: got.lane,
        session: got.session,
        cookie: got.cookie,
        healthKey: sessionLaneKey(got.session.id),
      };
    }
    const exclude = opts.ignoreBlocks ? new Set<string>() : this.blockedProxies(route);
    for (const k of opts.excludeLanes ?? []) exclude.add(k);
    const got = await this.pool.acquire({
      exclude,
      ...(opts.onlyLane ? { only: new Set([opts.onlyLane]) } : {}),
      ...(opts.avoidLanes ? { avoid: opts.avoidLanes } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (!('lane' in got)) return got;
    if (opts.signal?.aborted) return this.giveBack(got.lane);
    return { lane: got.lane, healthKey: proxyLaneKey(got.lane.key) };
  }

  /** A lane granted after a cancel or shutdown (it came while Redis answered): unused, given back. */
  private giveBack(lane: Lane): NoLane {
    this.pool.abandon(lane);
    return { none: 'transient', detail: 'cancelled' };
  }

  private readonly headerCache = new Map<string, Record<string, string>>();

  /** Headers for a request; the same identity, referer and session give the same (cached) object. */
  private headersFor(req: RouteRequest, leased: Leased): Record<string, string> {
    const c = this.config.get();
    const key = `${req.kind}|${req.refererPath}|${leased.session?.id ?? ''}|${leased.session?.userAgent ?? c.userAgent}|${c.appId}|${c.asbdId}|${leased.cookie ?? ''}`;
    let headers = this.headerCache.get(key);
    if (!headers) {
      if (this.headerCache.size > 500) this.headerCache.clear();
      headers = this.buildHeaders(req, leased);
      this.headerCache.set(key, headers);
    }
    return headers;
  }

  private buildHeaders(req: RouteRequest, leased: Leased): Record<string, string> {
    const c = this.config.get();
    const identity: Identity = {
      userAgent: leased.session?.userAgent ?? c.userAgent,
      appId: c.appId,
      asbdId: c.asbdId,
    };
    const session =
      leased.session && leased.cookie
        ? { cookie: leased.cookie, csrftoken: leased.session.csrftoken }
        : undefined;
    return req.kind === 'document'
      ? documentHeaders(identity, session)
      : xhrHeaders(identity, this.baseUrl, req.refererPath, session);
  }

  /** One request on a taken lane; the lane is released and every record made before this returns. */
  async send<T>(
    route: Route,
    leased: Leased,
    req: RouteRequest,
    read: (raw: RawAnswer) => Classified<T>,
    signal?: AbortSignal,
  ): Promise<Classified<T>> {
    // The signal stops waiting (for a proxy, a session, a slot), never a request already sent: its
    // answer is recorded (a check Instagram saw is never lost), and the timeout bounds it.
    void signal;
    const raw = await fetchRaw(
      {
        baseUrl: this.baseUrl,
        dispatcher: leased.lane.dispatcher,
        viaProxy: leased.lane.proxyId !== null,
        timeoutMs: this.settings.timeoutMs,
      },
      req.path,
      this.headersFor(req, leased),
    );
    const c = read(raw);
    await this.account(route, leased, c);
    return c;
  }

  private async account<T>(route: Route, leased: Leased, c: Classified<T>): Promise<void> {
    this.health.count(route.name, c.cls);
    const proxyFine = !['rate_limited', 'proxy_failed', 'transient', 'wall'].includes(c.cls);
    await this.pool.release(leased.lane, {
      ok: proxyFine,
      latencyMs: c.latencyMs,
      ...(c.cls === 'ok' ? {} : { outcome: c.cls === 'wall' ? 'login_wall' : c.cls, detail: c.detail }),
    });
    try {
      if (c.cls === 'ok') {
        if (leased.session) this.sessions.noteUsed(leased.session.id);
        const t = await this.health.recordOk(route.name, leased.healthKey);
        if (t) this.emit(routeAlert(t));
        return;
      }
      if (c.cls === 'changed' || c.cls === 'unexpected')
        this.log.warn(
          { route: route.name, proxyId: leased.lane.proxyId, detail: c.detail, sample: c.sample },
          'unexpected answer from Instagram',
        );
      if (c.cls === 'fingerprint')
        this.emit(fingerprintAlert(route.name, c.detail, this.deps.clock.now().getTime()));
      if (ROUTE_EVIDENCE.has(c.cls)) {
        const t = await this.health.recordBad(
          route.name,
          leased.healthKey,
          c.cls,
          `${c.detail}${c.sample ? ` ${c.sample}` : ''}`,
          this.lanesFor(route),
        );
        if (t) {
          this.log.warn({ route: route.name, reason: t.reason }, 'instagram route suspended');
          this.emit(routeAlert(t, this.health.state(route.name).until - this.health.options.now()));
        }
      }
    } catch (err) {
      // Redis away: the answer still counts for this profile; the route's books catch up later.
      this.warnOnce('health', { route: route.name, err }, 'cannot record route health');
    }
  }

  /** Disables a session Instagram refused; alerts once per disablement. */
  async disableSession(leased: Leased, reason: string): Promise<void> {
    const s = leased.session;
    if (!s) return;
    let at: Date | null;
    try {
      at = await this.sessions.disable(s.id, reason);
    } catch (err) {
      this.log.error({ sessionId: s.id, err }, 'cannot store disabled session');
      // Not stored (Postgres away): out of this process's rotation already. One alert for it, keyed so
      // that retries and other calls do not raise it again (epoch 0 stands for "not stored").
      at = new Date(0);
    }
    if (at) this.emit(sessionAlert(s, at, reason, leased.lane.proxyId));
  }

  /** Why no route of a step can be used now, route by route (for the batch's failure reason). */
  describe(
    order: readonly RouteName[],
    byName: Partial<Record<RouteName, Route>>,
    failures: Map<RouteName, string>,
  ): string {
    const now = this.health.options.now();
    return order
      .map((name) => {
        const route = byName[name];
        if (!route) return `${name}: unknown`;
        const st = this.health.state(name);
        if (this.health.status(name, now) === 'suspended')
          return `${name}: suspended (${st.reason}; retried in ${Math.max(1, Math.round((st.until - now) / 60_000))} min)`;
        const failed = failures.get(name);
        if (failed) return `${name}: ${failed}`;
        if (route.needsSession && this.sessions.usableCount() === 0)
          return `${name}: needs a session (none active)`;
        if (!this.usable(route))
          return `${name}: every ${route.needsSession ? 'session' : 'proxy'} is walled for it`;
        return `${name}: not tried`;
      })
      .join('; ');
  }
}
