import type { CheckTarget } from '../core/checks.js';
import type { CoreDeps } from '../core/deps.js';
import { liveStoryIds } from '../core/detections/index.js';
import type { Classified } from './answer-class.js';
import { FALLBACK_CANARY } from './doctor.js';
import type { Leased, RouteRunner } from './route-runner.js';
import { type ResolvedUser, STORY_ROUTE_BY_NAME, type StoryAnswer, type StoryRoute } from './routes/index.js';
import type { Witnesses } from './witnesses.js';

type Resolve = (
  t: CheckTarget,
  signal?: AbortSignal,
) => Promise<{ user: ResolvedUser } | { result: unknown }>;

const hasStory = (a: StoryAnswer) => [...a.byId.values()].some((s) => s.outcome === 'story');

/**
 * The witness rule (docs/instagram.md, "No silent wrong answers"): a logged-in answer showing no story
 * for a whole chunk is checked against public profiles known to have a live story before it counts,
 * since a dead cookie answers an empty success.
 */
export class EmptyAnswerCheck {
  private unverifiedWarnedAt = 0;
  private canariesLookedAt = 0;

  constructor(
    private readonly deps: CoreDeps,
    private readonly runner: RouteRunner,
    private readonly witnesses: Witnesses,
    private readonly resolve: Resolve,
  ) {}

  /**
   * An all-empty logged-in answer: ask the same session about profiles known to have a live story.
   * 'alive' (it sees them), 'dead' (it does not, or it is refused), 'failed' (no answer), or
   * 'unverified' when no such profile is known (then the answer is taken, and the operator is told
   * once an hour to name canaries).
   */
  async verify(
    route: StoryRoute,
    leased: Leased,
    chunkIds: readonly string[],
    signal?: AbortSignal,
  ): Promise<'alive' | 'dead' | 'failed' | 'unverified'> {
    const session = leased.session;
    if (!session) return 'unverified';
    const exclude = new Set(chunkIds);
    let ids = await this.witnesses.pick(3, exclude).catch(() => [] as string[]);
    if (ids.length === 0)
      ids = (await liveStoryIds(this.deps, 3).catch(() => [] as string[])).filter((id) => !exclude.has(id));
    if (ids.length === 0) ids = (await this.canaryWitnesses(signal)).filter((id) => !exclude.has(id));
    if (ids.length === 0) {
      this.warnUnverified();
      return 'unverified';
    }
    const again = await this.runner.lease(route, { onlySession: session.id, ...(signal ? { signal } : {}) });
    if ('none' in again) return 'failed';
    const nowMs = this.deps.clock.now().getTime();
    const c: Classified<StoryAnswer> = await this.runner.send(
      route,
      again,
      route.request(ids, this.runner.config.get()),
      (raw) => route.read(raw, ids, nowMs),
      signal,
    );
    if (c.cls === 'ok') {
      if (hasStory(c.value)) return 'alive';
      // Before a session is disabled, make sure the witnesses really are live (a story deleted early,
      // a private account): a stale witness must not disable every session in turn.
      const live = await this.stillLive(ids[0] ?? '', signal);
      if (live === 'not_live') {
        await this.witnesses.forget(ids).catch(() => {});
        return 'unverified';
      }
      return live === 'live' || ids.length >= 2 ? 'dead' : 'unverified';
    }
    if (c.cls === 'session_invalid') return 'dead';
    return 'failed';
  }

  /**
   * No live story known yet (a fresh install): look at the canaries through an anonymous story route;
   * those with a live story become witnesses. At most every 5 minutes per process.
   */
  private async canaryWitnesses(signal?: AbortSignal): Promise<string[]> {
    const now = this.deps.clock.now().getTime();
    if (now - this.canariesLookedAt < 5 * 60_000) return [];
    this.canariesLookedAt = now;
    const cfg = this.runner.config.get();
    const out: string[] = [];
    for (const name of (cfg.canaries.length > 0 ? cfg.canaries : [FALLBACK_CANARY]).slice(0, 3)) {
      const r = await this.resolve({ username: name, igUserId: null }, signal);
      if ('result' in r || r.user.isPrivate) continue;
      const id = r.user.id;
      const answer = await this.askAnonymously(id, signal);
      if (answer === 'no_route') break;
      if (answer === 'failed') continue;
      await this.witnesses.offer(answer.publicLive, true).catch(() => {});
      if (answer.publicLive.length > 0) out.push(id);
    }
    return out;
  }
  /** Asks an anonymous story route whether a witness has a live story now. */
  private async stillLive(id: string, signal?: AbortSignal): Promise<'live' | 'not_live' | 'unknown'> {
    if (!id) return 'unknown';
    const answer = await this.askAnonymously(id, signal);
    if (typeof answer === 'string') return 'unknown';
    return answer.byId.get(id)?.outcome === 'story' ? 'live' : 'not_live';
  }

  /**
   * One id through the first usable anonymous story route (what a public viewer sees): 'no_route'
   * when none can be used or has a lane now, 'failed' when it did not answer usefully.
   */
  private async askAnonymously(
    id: string,
    signal?: AbortSignal,
  ): Promise<StoryAnswer | 'no_route' | 'failed'> {
    const cfg = this.runner.config.get();
    const anonymous = cfg.storyOrder.filter((n) => !STORY_ROUTE_BY_NAME[n].needsSession);
    const route = await this.runner.choose(anonymous, STORY_ROUTE_BY_NAME, new Set());
    if (!route) return 'no_route';
    const leased = await this.runner.lease(route, signal ? { signal } : {});
    if ('none' in leased) return 'no_route';
    const now = this.deps.clock.now().getTime();
    const c = await this.runner.send(
      route,
      leased,
      route.request([id], cfg),
      (raw) => route.read(raw, [id], now),
      signal,
    );
    return c.cls === 'ok' ? c.value : 'failed';
  }

  private warnUnverified(): void {
    const now = this.deps.clock.now().getTime();
    if (now - this.unverifiedWarnedAt < 3_600_000) return;
    this.unverifiedWarnedAt = now;
    this.runner.log.warn(
      'a logged-in answer showed no story for a whole chunk and no profile with a live story is known to verify it; name canaries with `instagram set canaries ...`',
    );
  }
}
