import type { CoreDeps } from '../core/deps.js';
import type { Logger } from '../core/logger.js';
import { maskSecrets } from '../core/mask.js';
import { profileInfoAnswer, reelsMediaAnswer, storyQueryAnswer } from './instagram-answers.js';
import { type IgResult, igGet, profilePath, reelsPath, storyPath } from './instagram-client.js';
import type { ProxyPool } from './proxy-pool.js';
import type { SessionLease, SessionPool } from './session-pool.js';
import { storyFromQuery, storyFromReel } from './story-state.js';
import type {
  CheckerAlert,
  CheckOutcome,
  CheckResult,
  CheckTarget,
  StoryChecker,
  StoryCheckerExtras,
} from './types.js';

/** Instagram answers at most 20 reels per reels_media request (more is a 400). */
export const REELS_PER_REQUEST = 20;
const RETRYABLE: ReadonlySet<CheckOutcome> = new Set([
  'transient',
  'proxy_failed',
  'rate_limited',
  'login_wall',
]);

export interface CheckerSettings {
  instagramUrl: string;
  timeoutMs: number;
  maxRetries: number;
}

type ErrorOutcome = Exclude<CheckOutcome, 'story' | 'no_story' | 'private'>;
type StepResult<T> = IgResult<T> & { proxyId: number | null };

/** Per-profile retry state: up to `maxRetries` more tries, each on a proxy not yet tried if any. */
interface Attempts {
  made: number;
  retriesLeft: number;
  tried: Set<string>;
}

export class InstagramStoryChecker implements StoryChecker, StoryCheckerExtras {
  private alerts: CheckerAlert[] = [];
  private readonly log: Logger;
  private readonly baseUrl: string;

  constructor(
    private readonly deps: CoreDeps,
    private readonly pool: ProxyPool,
    private readonly sessions: SessionPool,
    private readonly settings: CheckerSettings,
    private readonly onAlert?: (alert: CheckerAlert) => void,
  ) {
    this.log = deps.log.child({ component: 'checker' });
    this.baseUrl = settings.instagramUrl.replace(/\/+$/, '');
  }

  async preferredGroupSize(): Promise<number> {
    return this.sessions.hasReadySession() ? REELS_PER_REQUEST : 1;
  }

  drainAlerts(): CheckerAlert[] {
    const out = this.alerts;
    this.alerts = [];
    return out;
  }

  async check(
    targets: readonly CheckTarget[],
    options: { signal?: AbortSignal } = {},
  ): Promise<CheckResult[]> {
    const { signal } = options;
    if (targets.length === 0) return [];
    if (targets.length > 1 && this.sessions.hasReadySession()) return this.checkWithSessions(targets, signal);
    // One request at a time per call: the batch engine's thread cap is the number of concurrent calls.
    const results: CheckResult[] = [];
    for (const t of targets) results.push(await this.checkAnonymous(t, signal));
    return results;
  }

  private newAttempts(): Attempts {
    return { made: 0, retriesLeft: this.settings.maxRetries, tried: new Set() };
  }

  /** One request with retries on other proxies for the outcomes worth retrying. */
  private async step<T>(
    attempts: Attempts,
    path: string,
    schema: import('zod').ZodType<T>,
    referer: string,
    signal?: AbortSignal,
  ): Promise<StepResult<T>> {
    let last: StepResult<T> | undefined;
    for (;;) {
      if (signal?.aborted)
        return { ok: false, outcome: 'transient', detail: 'cancelled', latencyMs: 0, proxyId: null };
      const got = await this.pool.acquire({ avoid: attempts.tried, ...(signal ? { signal } : {}) });
      if (!('lane' in got)) {
        if (signal?.aborted)
          return { ok: false, outcome: 'transient', detail: 'cancelled', latencyMs: 0, proxyId: null };
        // After a real answer, report that answer (it says more than "no proxy free for the retry").
        if (last && !last.ok) return { ...last, detail: `${last.detail}; retry impossible: ${got.detail}` };
        return { ok: false, outcome: got.none, detail: got.detail, latencyMs: 0, proxyId: null };
      }
      const lane = got.lane;
      attempts.made++;
      const res = await igGet(
        {
          baseUrl: this.baseUrl,
          dispatcher: lane.dispatcher,
          viaProxy: lane.proxyId !== null,
          timeoutMs: this.settings.timeoutMs,
          ...(signal ? { signal } : {}),
        },
        path,
        schema,
        referer,
      );
      const proxyOk = res.ok || res.outcome === 'not_found';
      await this.pool.release(
        lane,
        res.ok
          ? { ok: true, latencyMs: res.latencyMs }
          : { ok: proxyOk, outcome: res.outcome, latencyMs: res.latencyMs, detail: res.detail },
      );
      if (!res.ok && res.outcome === 'unexpected')
        this.logUnexpected(path, res.detail, res.sample, lane.proxyId);
      if (!res.ok && RETRYABLE.has(res.outcome) && attempts.retriesLeft > 0 && res.detail !== 'cancelled') {
        attempts.retriesLeft--;
        attempts.tried.add(lane.key);
        this.log.debug(
          { proxyId: lane.proxyId, outcome: res.outcome, detail: res.detail },
          'retrying on another proxy',
        );
        last = { ...res, proxyId: lane.proxyId };
        continue;
      }
      return { ...res, proxyId: lane.proxyId };
    }
  }

  private logUnexpected(
    path: string,
    detail: string,
    sample: string | undefined,
    proxyId: number | null,
  ): void {
    const endpoint = path.split('?')[0];
    this.log.warn(
      { endpoint, proxyId, detail, sample: sample === undefined ? undefined : maskSecrets(sample) },
      'unexpected answer from Instagram',
    );
  }

  private errorResult(
    username: string,
    outcome: ErrorOutcome,
    detail: string,
    attempts: Attempts,
    proxyId: number | null,
    extra: Partial<CheckResult> = {},
  ): CheckResult {
    return {
      username,
      outcome,
      detail: maskSecrets(detail),
      attempts: Math.max(1, attempts.made),
      proxyId,
      ...extra,
    };
  }

  async checkAnonymous(target: CheckTarget, signal?: AbortSignal): Promise<CheckResult> {
    const username = target.username;
    const referer = `/${encodeURIComponent(username)}/`;
    const attempts = this.newAttempts();
    let id = target.igUserId;
    let learned: string | undefined;
    if (!id) {
      const r = await this.step(attempts, profilePath(username), profileInfoAnswer, referer, signal);
      if (!r.ok) return this.errorResult(username, r.outcome, r.detail, attempts, r.proxyId);
      const user = r.value.data.user;
      if (!user)
        return this.errorResult(
          username,
          'not_found',
          'no such user (data.user is null)',
          attempts,
          r.proxyId,
        );
      learned = user.id;
      if (user.is_private)
        return {
          username,
          outcome: 'private',
          igUserId: learned,
          attempts: attempts.made,
          proxyId: r.proxyId,
        };
      id = user.id;
    }
    const s = await this.step(attempts, storyPath(id), storyQueryAnswer, referer, signal);
    const idPart = learned ? { igUserId: learned } : {};
    if (!s.ok) return this.errorResult(username, s.outcome, s.detail, attempts, s.proxyId, idPart);
    const user = s.value.data.user;
    if (!user)
      return this.errorResult(
        username,
        'not_found',
        'no such user id (data.user is null)',
        attempts,
        s.proxyId,
        idPart,
      );
    const base = { username, attempts: attempts.made, proxyId: s.proxyId, ...idPart };
    return { ...base, ...storyFromQuery(user, this.deps.clock.now().getTime()) };
  }

  private async checkWithSessions(
    targets: readonly CheckTarget[],
    signal?: AbortSignal,
  ): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    const withIds: Array<{ target: CheckTarget; id: string; learned: boolean; attempts: number }> = [];
    for (const t of targets) {
      if (t.igUserId) {
        withIds.push({ target: t, id: t.igUserId, learned: false, attempts: 0 });
        continue;
      }
      // The id lookup is anonymous: it costs a request per new profile once, then is cached.
      const attempts = this.newAttempts();
      const r = await this.step(
        attempts,
        profilePath(t.username),
        profileInfoAnswer,
        `/${encodeURIComponent(t.username)}/`,
        signal,
      );
      if (!r.ok) results.push(this.errorResult(t.username, r.outcome, r.detail, attempts, r.proxyId));
      else if (!r.value.data.user)
        results.push(
          this.errorResult(t.username, 'not_found', 'no such user (data.user is null)', attempts, r.proxyId),
        );
      else if (r.value.data.user.is_private) {
        results.push({
          username: t.username,
          outcome: 'private',
          igUserId: r.value.data.user.id,
          attempts: attempts.made,
          proxyId: r.proxyId,
        });
      } else withIds.push({ target: t, id: r.value.data.user.id, learned: true, attempts: attempts.made });
    }
    for (let i = 0; i < withIds.length; i += REELS_PER_REQUEST) {
      results.push(...(await this.checkChunk(withIds.slice(i, i + REELS_PER_REQUEST), signal)));
    }
    return results;
  }

  private async checkChunk(
    chunk: Array<{ target: CheckTarget; id: string; learned: boolean; attempts: number }>,
    signal?: AbortSignal,
  ): Promise<CheckResult[]> {
    const avoidSessions = new Set<number>();
    let retriesLeft = this.settings.maxRetries;
    let made = 0;
    const first = chunk[0];
    if (!first) return [];
    const referer = `/${encodeURIComponent(first.target.username)}/`;
    for (;;) {
      const lease = signal?.aborted ? null : await this.sessions.acquire(avoidSessions, signal);
      if (!lease) return this.anonymousFallback(chunk, signal);
      made++;
      const res = await igGet(
        {
          baseUrl: this.baseUrl,
          dispatcher: lease.lane.dispatcher,
          viaProxy: lease.lane.proxyId !== null,
          timeoutMs: this.settings.timeoutMs,
          session: { cookie: lease.cookie, csrftoken: lease.session.csrftoken },
          ...(signal ? { signal } : {}),
        },
        reelsPath(chunk.map((c) => c.id)),
        reelsMediaAnswer,
        referer,
      );
      await this.pool.release(
        lease.lane,
        res.ok
          ? { ok: true, latencyMs: res.latencyMs }
          : { ok: false, outcome: res.outcome, latencyMs: res.latencyMs, detail: res.detail },
      );
      if (res.ok) {
        this.sessions.noteUsed(lease.session.id);
        return this.chunkResults(chunk, res.value, lease, made);
      }
      if (res.outcome === 'session_invalid') {
        await this.disableSession(lease, res.detail);
        avoidSessions.add(lease.session.id);
        continue;
      }
      if (res.outcome === 'unexpected')
        this.logUnexpected('/api/v1/feed/reels_media/', res.detail, res.sample, lease.lane.proxyId);
      if (RETRYABLE.has(res.outcome) && retriesLeft > 0 && res.detail !== 'cancelled') {
        retriesLeft--;
        avoidSessions.add(lease.session.id);
        continue;
      }
      const outcome: ErrorOutcome = res.outcome === 'not_found' ? 'unexpected' : res.outcome;
      return chunk.map((c) => ({
        username: c.target.username,
        outcome,
        detail: maskSecrets(res.detail),
        attempts: c.attempts + made,
        proxyId: lease.lane.proxyId,
        sessionId: lease.session.id,
        ...(c.learned ? { igUserId: c.id } : {}),
      }));
    }
  }

  private chunkResults(
    chunk: Array<{ target: CheckTarget; id: string; learned: boolean; attempts: number }>,
    answer: import('./instagram-answers.js').ReelsMediaAnswer,
    lease: SessionLease,
    made: number,
  ): CheckResult[] {
    const nowMs = this.deps.clock.now().getTime();
    return chunk.map((c) => {
      const base = {
        username: c.target.username,
        attempts: c.attempts + made,
        proxyId: lease.lane.proxyId,
        sessionId: lease.session.id,
        ...(c.learned ? { igUserId: c.id } : {}),
      };
      return { ...base, ...storyFromReel(answer.reels[c.id], nowMs) };
    });
  }

  /** No session can take this chunk: check each profile anonymously instead of failing it. */
  private async anonymousFallback(
    chunk: Array<{ target: CheckTarget; id: string; learned: boolean; attempts: number }>,
    signal?: AbortSignal,
  ): Promise<CheckResult[]> {
    const out: CheckResult[] = [];
    for (const c of chunk) {
      const r = await this.checkAnonymous({ username: c.target.username, igUserId: c.id }, signal);
      out.push({ ...r, attempts: r.attempts + c.attempts, ...(c.learned ? { igUserId: c.id } : {}) });
    }
    return out;
  }

  private async disableSession(lease: SessionLease, reason: string): Promise<void> {
    let first: boolean;
    try {
      first = await this.sessions.disable(lease.session.id, reason);
    } catch (err) {
      // Not stored (Postgres away): it is out of this process's rotation already; alert anyway.
      this.log.error(
        { sessionId: lease.session.id, errMessage: (err as Error).message },
        'cannot store disabled session',
      );
      first = true;
    }
    if (!first) return;
    const alert: CheckerAlert = {
      kind: 'session_disabled',
      sessionId: lease.session.id,
      proxyId: lease.lane.proxyId,
      message: `Instagram refused session #${lease.session.id} (account ${lease.session.dsUserId}): ${reason}. It is disabled; checks continue with other sessions or anonymously. Add fresh cookies with \`session add\`.`,
    };
    this.alerts.push(alert);
    this.onAlert?.(alert);
  }
}
