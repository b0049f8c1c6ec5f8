import { type CheckOutcome, type CheckResult, type CheckTarget, notStarted } from '../core/checks.js';
import type { CoreDeps } from '../core/deps.js';
import type { RouteName } from '../core/instagram/index.js';
import { maskSecrets } from '../core/mask.js';
import type { CheckerAlert } from './alerts.js';
import type { Failure } from './answer-class.js';
import { EmptyAnswerCheck } from './empty-answer-check.js';
import type { Leased, RouteRunner } from './route-runner.js';
import {
  RESOLVE_ROUTE_BY_NAME,
  type ResolvedUser,
  type Route,
  STORY_ROUTE_BY_NAME,
  type StoryAnswer,
  type StoryRoute,
} from './routes/index.js';
import { endWithoutLane, NOT_STARTED, OUTCOME_OF, StepState } from './step-state.js';
import type { StoryChecker, StoryCheckerExtras } from './types.js';
import type { Witnesses } from './witnesses.js';

/** A 404 for a profile that answered within this long is confirmed through another proxy first. */
export const RECENT_ANSWER_MS = 7 * 24 * 3600_000;
const MAX_KEPT_ALERTS = 100;

interface Item {
  target: CheckTarget;
  id: string;
  learned: boolean;
  attempts: number;
  reResolved?: boolean;
}

type Resolved = { user: ResolvedUser; attempts: number; proxyId: number | null; route: RouteName };
type Next = 'retry' | 'give_up';

/** The id a lookup in this call learned (kept even when the story step could not run). */
const learnedId = (i: Item) => (i.learned ? { igUserId: i.id } : {});

const hasStory = (a: StoryAnswer) => [...a.byId.values()].some((s) => s.outcome === 'story');

/**
 * Checks profiles in two steps, each over an ordered list of interchangeable routes (routes/): resolve
 * a username to an id when none is cached, then ask a story route about up to its `maxIds` ids at once.
 * A route that is walled, retired or changed is left for the next one; when no route of a step can be
 * used, the profile ends `no_route` (never recorded: a profile is never "no story" unless a route
 * actually said so). A logged-in answer showing no story for a whole chunk is verified against
 * profiles known to have a live story before it counts.
 */
export class InstagramStoryChecker implements StoryChecker, StoryCheckerExtras {
  private alerts: CheckerAlert[] = [];
  private readonly raisedKeys = new Set<string>();
  private readonly empties: EmptyAnswerCheck;

  constructor(
    private readonly deps: CoreDeps,
    private readonly runner: RouteRunner,
    private readonly witnesses: Witnesses,
    private readonly settings: { maxRetries: number },
  ) {
    this.empties = new EmptyAnswerCheck(deps, runner, witnesses, (t, signal) => this.resolve(t, signal));
  }

  /** Called by the runner for every alert; kept (bounded) for drainAlerts. */
  raise(alert: CheckerAlert, onAlert?: (a: CheckerAlert) => void): void {
    // Each occurrence once per process (deliveries are deduplicated by key across processes too).
    if (this.raisedKeys.has(alert.key)) return;
    this.raisedKeys.add(alert.key);
    if (this.raisedKeys.size > 1_000) this.raisedKeys.delete(this.raisedKeys.values().next().value as string);
    this.alerts.push(alert);
    if (this.alerts.length > MAX_KEPT_ALERTS) this.alerts.shift();
    onAlert?.(alert);
  }

  drainAlerts(): CheckerAlert[] {
    const out = this.alerts;
    this.alerts = [];
    return out;
  }

  async preferredGroupSize(): Promise<number> {
    for (const name of this.runner.config.get().storyOrder) {
      const route = STORY_ROUTE_BY_NAME[name];
      if (this.runner.usable(route)) return route.maxIds;
    }
    return 1;
  }

  async check(
    targets: readonly CheckTarget[],
    options: { signal?: AbortSignal } = {},
  ): Promise<CheckResult[]> {
    const { signal } = options;
    const results: CheckResult[] = [];
    const items: Item[] = [];
    // One request at a time per call: the batch engine's thread cap is the number of concurrent calls.
    for (const t of targets) {
      if (t.igUserId) {
        items.push({ target: t, id: t.igUserId, learned: false, attempts: 0 });
        continue;
      }
      const r = await this.resolve(t, signal);
      if ('result' in r) results.push(r.result);
      else if (r.user.isPrivate) results.push(this.privateResult(t, r));
      else items.push({ target: t, id: r.user.id, learned: true, attempts: r.attempts });
    }
    while (items.length > 0) results.push(...(await this.storyStep(items, signal)));
    return results;
  }

  private privateResult(t: CheckTarget, r: Resolved): CheckResult {
    return {
      username: t.username,
      outcome: 'private',
      igUserId: r.user.id,
      attempts: r.attempts,
      proxyId: r.proxyId,
      route: r.route,
    };
  }

  private errorResult(
    username: string,
    outcome: CheckOutcome,
    detail: string,
    attempts: number,
    extra: Partial<CheckResult> = {},
  ): CheckResult {
    return { username, outcome, detail: maskSecrets(detail), attempts: Math.max(1, attempts), ...extra };
  }

  /** When no route of a step is left: the last plain error if there was one, else `no_route`. */
  private async noRoute(
    step: 'resolve' | 'story',
    st: StepState,
  ): Promise<{ outcome: CheckOutcome; detail: string; attempts?: number }> {
    if (this.runner.pool.liveLanes().length === 0) {
      // No proxy at all (and no direct lane): nothing can be asked; say how to fix it, as the pool does.
      const got = await this.runner.pool.acquire({});
      if (!('lane' in got)) return { outcome: 'no_route', detail: `no proxy is usable: ${got.detail}` };
      this.runner.pool.abandon(got.lane);
    }
    const last = st.last;
    // Only a lane's own trouble is this profile's error; anything else means no route is left.
    if (last && ['rate_limited', 'transient', 'proxy_failed'].includes(last.cls) && st.tried.size === 0)
      return { outcome: OUTCOME_OF[last.cls], detail: last.detail };
    const cfg = this.runner.config.get();
    const order = step === 'resolve' ? cfg.resolveOrder : cfg.storyOrder;
    const byName: Partial<Record<RouteName, Route>> =
      step === 'resolve' ? RESOLVE_ROUTE_BY_NAME : STORY_ROUTE_BY_NAME;
    // A route that will be usable in a moment (on probation with another check's trial under way, or a
    // session whose proxy is cooling down) is not a reason to stop the batch: wait, unrecorded.
    if (this.runner.soonUsable(order, byName, st.avoidSessions)) return { ...NOT_STARTED };
    return {
      outcome: 'no_route',
      detail: `no ${step === 'resolve' ? 'username lookup' : 'story'} route is usable: ${this.runner.describe(order, byName, st.failures)}`,
    };
  }

  /** What to do after a failed answer: retry (another lane, session or route) or give up with it. */
  private async onFailure(route: Route, leased: Leased, c: Failure, st: StepState): Promise<Next> {
    st.last = c;
    if (st.made >= st.maxRequests) return 'give_up';
    switch (c.cls) {
      case 'session_invalid':
        await this.runner.disableSession(leased, c.detail);
        if (leased.session) st.avoidSessions.add(leased.session.id);
        return 'retry';
      case 'wall':
      case 'retired':
      case 'changed':
      case 'fingerprint':
        // Route-level answers: route health now skips this lane (or session) for this route only, and
        // the next lane's answer is the evidence that suspends the route (or shows this lane alone
        // was walled).
        st.failures.set(route.name, c.detail);
        return 'retry';
      case 'rate_limited':
      case 'transient':
      case 'proxy_failed':
        if (st.retriesLeft <= 0 || c.detail === 'cancelled') return 'give_up';
        st.retriesLeft--;
        st.avoidLanes.add(leased.lane.key);
        if (leased.session) st.avoidSessions.add(leased.session.id);
        return 'retry';
      default:
        return 'give_up';
    }
  }

  private recentlyAnswered(t: CheckTarget): boolean {
    const at = t.lastCheckedAt?.getTime();
    return Boolean(t.igUserId) && at !== undefined && this.deps.clock.now().getTime() - at < RECENT_ANSWER_MS;
  }

  /** Resolve step: username -> id and privacy, through the first usable route in the operator's order. */
  async resolve(t: CheckTarget, signal?: AbortSignal): Promise<Resolved | { result: CheckResult }> {
    const cfg = this.runner.config.get();
    const st = new StepState(this.settings.maxRetries);
    let confirming = false;
    for (;;) {
      if (signal?.aborted) return { result: { username: t.username, ...NOT_STARTED } };
      const route = await this.runner.choose(
        cfg.resolveOrder,
        RESOLVE_ROUTE_BY_NAME,
        st.tried,
        st.avoidSessions,
      );
      if (!route) {
        const n = await this.noRoute('resolve', st);
        if (n.attempts === 0) return { result: { username: t.username, ...NOT_STARTED } };
        return { result: this.errorResult(t.username, n.outcome, n.detail, st.made) };
      }
      const leased = await this.runner.lease(route, st.leaseOptions(signal));
      if ('none' in leased) {
        const out = endWithoutLane(leased, st, this.runner.pool.liveLanes().length, signal);
        if (out) return { result: { username: t.username, ...out } };
        st.routeFailed(route.name, leased.detail);
        continue;
      }
      st.made++;
      const c = await this.runner.send(
        route,
        leased,
        route.request(t.username, cfg),
        (raw) => route.read(raw, Boolean(leased.session)),
        signal,
      );
      const proxyId = leased.lane.proxyId;
      if (c.cls === 'ok' && c.value) return { user: c.value, attempts: st.made, proxyId, route: route.name };
      if (c.cls === 'ok' || c.cls === 'not_found') {
        // False 404s come with rate limiting: a profile that answered lately is asked again elsewhere.
        if (!confirming && this.recentlyAnswered(t) && this.runner.pool.liveLanes().length > 1) {
          confirming = true;
          st.excludeLanes.add(leased.lane.key);
          continue;
        }
        const detail = c.cls === 'ok' ? 'no such user' : c.detail;
        return {
          result: this.errorResult(t.username, 'not_found', `${detail} (${route.name})`, st.made, {
            proxyId,
            route: route.name,
          }),
        };
      }
      if ((await this.onFailure(route, leased, c, st)) === 'give_up')
        return {
          result: this.errorResult(t.username, OUTCOME_OF[c.cls], c.detail, st.made, {
            proxyId,
            route: route.name,
          }),
        };
    }
  }

  /** Story step: takes the next chunk off `items` (as many as the chosen route carries) and answers it. */
  private async storyStep(items: Item[], signal?: AbortSignal): Promise<CheckResult[]> {
    const cfg = this.runner.config.get();
    const st = new StepState(this.settings.maxRetries);
    const fail = (n: number, outcome: CheckOutcome, detail: string, extra: Partial<CheckResult> = {}) =>
      items.splice(0, n).map((i) =>
        this.errorResult(i.target.username, outcome, detail, i.attempts + st.made, {
          ...(i.learned ? { igUserId: i.id } : {}),
          ...extra,
        }),
      );
    for (;;) {
      if (signal?.aborted)
        return items.splice(0).map((i) => ({ username: i.target.username, ...NOT_STARTED, ...learnedId(i) }));
      const route = await this.runner.choose(cfg.storyOrder, STORY_ROUTE_BY_NAME, st.tried, st.avoidSessions);
      if (!route) {
        const n = await this.noRoute('story', st);
        if (n.attempts === 0)
          return items
            .splice(0)
            .map((i) => ({ username: i.target.username, ...NOT_STARTED, ...learnedId(i) }));
        return fail(items.length, n.outcome, n.detail);
      }
      const chunk = items.slice(0, route.maxIds);
      const leased = await this.runner.lease(route, st.leaseOptions(signal));
      if ('none' in leased) {
        const out = endWithoutLane(leased, st, this.runner.pool.liveLanes().length, signal);
        if (out)
          return items
            .splice(0, chunk.length)
            .map((i) => ({ username: i.target.username, ...out, ...learnedId(i) }));
        st.routeFailed(route.name, leased.detail);
        continue;
      }
      st.made++;
      const ids = chunk.map((i) => i.id);
      const nowMs = this.deps.clock.now().getTime();
      const c = await this.runner.send(
        route,
        leased,
        route.request(ids, cfg),
        (raw) => route.read(raw, ids, nowMs),
        signal,
      );
      if (c.cls === 'ok') {
        if (route.needsSession && !hasStory(c.value)) {
          const verdict = await this.empties.verify(route, leased, ids, signal);
          if (verdict === 'dead') {
            await this.runner.disableSession(
              leased,
              'it answered "no story" for every profile, profiles with a live story included (a dead cookie answering an empty success)',
            );
            if (leased.session) st.avoidSessions.add(leased.session.id);
            continue;
          }
          if (verdict === 'failed') {
            st.routeFailed(route.name, 'an all-empty answer could not be verified');
            continue;
          }
        }
        this.witnesses.offer(c.value.publicLive).catch(() => {});
        items.splice(0, chunk.length);
        return this.storyResults(chunk, c.value, leased, route, st, items, signal);
      }
      // A profile-level answer (unavailable, not found) says nothing about the others of a chunk.
      const outcome =
        chunk.length > 1 && ['unavailable', 'not_found'].includes(c.cls) ? 'unexpected' : OUTCOME_OF[c.cls];
      if ((await this.onFailure(route, leased, c, st)) === 'give_up')
        return fail(chunk.length, outcome, c.detail, {
          proxyId: leased.lane.proxyId,
          route: route.name,
          ...(leased.session ? { sessionId: leased.session.id } : {}),
        });
    }
  }

  private async storyResults(
    chunk: Item[],
    answer: StoryAnswer,
    leased: Leased,
    route: StoryRoute,
    st: StepState,
    items: Item[],
    signal?: AbortSignal,
  ): Promise<CheckResult[]> {
    const out: CheckResult[] = [];
    for (const item of chunk) {
      const state = answer.byId.get(item.id) ?? { outcome: 'no_story' as const };
      const base = {
        username: item.target.username,
        attempts: item.attempts + st.made,
        proxyId: leased.lane.proxyId,
        route: route.name,
        ...(leased.session ? { sessionId: leased.session.id } : {}),
        ...(item.learned ? { igUserId: item.id } : {}),
      };
      if (state.outcome !== 'gone') {
        out.push({ ...base, ...state });
        continue;
      }
      // No user with this id: a stale cached id or a deleted account. Only the username can tell.
      const r = item.reResolved ? null : await this.resolve(item.target, signal);
      if (r === null)
        out.push(
          this.errorResult(
            base.username,
            'unexpected',
            `${route.name}: no user with id ${item.id}`,
            base.attempts,
          ),
        );
      else if ('result' in r)
        out.push(
          notStarted(r.result) ? r.result : { ...r.result, attempts: r.result.attempts + base.attempts },
        );
      else if (r.user.isPrivate)
        out.push({ ...this.privateResult(item.target, r), attempts: r.attempts + base.attempts });
      else if (r.user.id !== item.id)
        items.push({
          target: item.target,
          id: r.user.id,
          learned: true,
          attempts: base.attempts + r.attempts,
          reResolved: true,
        });
      else
        out.push(
          this.errorResult(
            base.username,
            'unexpected',
            `${route.name} has no user with id ${item.id}, yet the username resolves to it`,
            base.attempts + r.attempts,
          ),
        );
    }
    return out;
  }
}
