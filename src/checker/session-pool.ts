import type { CoreDeps } from '../core/deps.js';
import { cookieHeader } from '../core/sessions/parse-cookies.js';
import {
  assignSessionProxy,
  disableSession,
  loadActiveSessions,
  type SessionCredentials,
  touchSession,
} from '../core/sessions/session-store.js';
import { DIRECT_KEY, type Lane, type ProxyPool } from './proxy-pool.js';

export interface SessionLease {
  session: SessionCredentials;
  lane: Lane;
  cookie: string;
}

/** The key route health knows a session by (a session is a lane of its own for the session routes). */
export const sessionLaneKey = (id: number) => `s${id}`;

/**
 * Logged-in sessions, each bound to its sticky proxy. A session is only ever used through that proxy;
 * when the proxy is cooling the session waits (or the checker goes anonymous) rather than hop IPs.
 */
export class SessionPool {
  private sessions: SessionCredentials[] = [];
  private turn = 0;
  private loading: Promise<void> | undefined;
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly deps: CoreDeps,
    private readonly pool: ProxyPool,
    private readonly allowDirect: boolean,
  ) {}

  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const rows = await loadActiveSessions(this.deps);
    const proxyIds = this.pool
      .liveLanes()
      .map((l) => l.proxyId)
      .filter((id): id is number => id !== null);
    for (const s of rows) {
      if (s.proxyId === null && proxyIds.length > 0)
        s.proxyId = await assignSessionProxy(this.deps, s.id, proxyIds);
    }
    this.sessions = rows;
  }

  private laneKey(s: SessionCredentials): string | null {
    if (s.proxyId !== null) return String(s.proxyId);
    return this.allowDirect ? DIRECT_KEY : null;
  }

  /** Sessions whose sticky proxy exists and is not dead. */
  private usable(avoid: ReadonlySet<number> = new Set()): SessionCredentials[] {
    return this.sessions.filter((s) => {
      if (avoid.has(s.id)) return false;
      const key = this.laneKey(s);
      const lane = key === null ? undefined : this.pool.lane(key);
      return lane !== undefined && !lane.removed && !lane.dead;
    });
  }

  /** Ids of the sessions that could carry a request. */
  usableIds(): number[] {
    return this.usable().map((s) => s.id);
  }

  /** Sessions that could carry a request (their proxy exists and is alive), cooling or not. */
  usableCount(avoid: ReadonlySet<number> = new Set()): number {
    return this.usable(avoid).length;
  }

  /** True when a session could be used now (its proxy exists, is alive and is not cooling down). */
  hasReadySession(avoid: ReadonlySet<number> = new Set()): boolean {
    const now = this.deps.clock.now().getTime();
    return this.usable(avoid).some((s) => {
      const lane = this.pool.lane(this.laneKey(s) ?? '');
      return lane !== undefined && lane.coolingUntil <= now;
    });
  }

  async acquire(
    avoid: ReadonlySet<number>,
    signal?: AbortSignal,
    onlySession?: number,
  ): Promise<SessionLease | null> {
    const candidates = this.usable(avoid).filter((s) => onlySession === undefined || s.id === onlySession);
    if (candidates.length === 0) return null;
    const now = this.deps.clock.now().getTime();
    // A session whose proxy is cooling would only make the batch wait: go anonymous instead.
    const ready = candidates.filter(
      (s) => (this.pool.lane(this.laneKey(s) ?? '')?.coolingUntil ?? Infinity) <= now,
    );
    if (ready.length === 0) return null;
    const keys = new Set(ready.map((s) => this.laneKey(s) ?? ''));
    const got = await this.pool.acquire({ only: keys, ...(signal ? { signal } : {}) });
    if (!('lane' in got)) return null;
    const onLane = ready.filter((s) => this.laneKey(s) === got.lane.key);
    const session = onLane[this.turn++ % onLane.length];
    if (!session) {
      this.pool.abandon(got.lane);
      return null;
    }
    return { session, lane: got.lane, cookie: cookieHeader(session) };
  }

  /** Records that a session answered; written at most once a minute per session. */
  noteUsed(sessionId: number): void {
    const now = this.deps.clock.now().getTime();
    if (now - (this.touched.get(sessionId) ?? 0) < 60_000) return;
    this.touched.set(sessionId, now);
    touchSession(this.deps, sessionId).catch((err: unknown) => {
      this.deps.log.warn({ sessionId, err }, 'cannot record session use');
    });
  }

  /** Takes a refused session out of rotation; when this call disabled it, the moment (alert once per disablement). */
  async disable(sessionId: number, reason: string): Promise<Date | null> {
    this.sessions = this.sessions.filter((s) => s.id !== sessionId);
    return disableSession(this.deps, sessionId, reason);
  }
}
