import type { RouteName } from '../core/instagram/index.js';
import type { Classified } from './answer-class.js';
import type { RouteStatus } from './route-health.js';
import type { Leased, RouteRunner } from './route-runner.js';
import {
  RESOLVE_ROUTE_BY_NAME,
  type ResolvedUser,
  type Route,
  STORY_ROUTE_BY_NAME,
  type StoryAnswer,
} from './routes/index.js';
import type { Witnesses } from './witnesses.js';

/** One probe: a route through one proxy or session, against a canary. */
export interface ProbeRow {
  route: RouteName;
  step: 'resolve' | 'story';
  /** `proxy #2 127.0.0.3:8080`, `session #1 (proxy #2)`, `direct`. */
  via: string;
  /** The answer class (`ok`, `wall`, `retired`, ...) or why nothing was sent (`skipped`). */
  answer: string;
  latencyMs: number | null;
  /** What was learned (`id 123, public`, `story until 14:05`) or the start of the answer, masked. */
  sample: string;
}

export interface DoctorReport {
  canary: string;
  canaryId: string | null;
  rows: ProbeRow[];
  /** Per route: whether any lane answered it usefully, and its health after the probes. */
  routes: Array<{ route: RouteName; worked: boolean; status: RouteStatus; tried: number }>;
}

/** Used when the operator named none: Instagram's own account exists, is public and posts stories. */
export const FALLBACK_CANARY = 'instagram';

const describeVia = (leased: Leased): string => {
  const proxy =
    leased.lane.proxyId === null ? 'direct' : `proxy #${leased.lane.proxyId} ${leased.lane.address}`;
  return leased.session ? `session #${leased.session.id} (${proxy})` : proxy;
};

function rowOf<T>(route: Route, via: string, c: Classified<T>, learned: (v: T) => string): ProbeRow {
  return {
    route: route.name,
    step: route.step,
    via,
    answer: c.cls,
    latencyMs: c.latencyMs,
    sample: c.cls === 'ok' ? learned(c.value) : `${c.detail}${c.sample ? `: ${c.sample}` : ''}`.slice(0, 160),
  };
}

/** Every lane that can carry this route: each proxy (or direct), or each usable session. */
function lanesOf(runner: RouteRunner, route: Route): Array<{ onlyLane?: string; onlySession?: number }> {
  if (route.needsSession) return runner.sessions.usableIds().map((id) => ({ onlySession: id }));
  return runner.pool.liveLanes().map((l) => ({ onlyLane: l.key }));
}

async function probe<T>(
  runner: RouteRunner,
  route: Route,
  lane: { onlyLane?: string; onlySession?: number },
  send: (leased: Leased) => Promise<Classified<T>>,
  learned: (v: T) => string,
): Promise<ProbeRow> {
  const leased = await runner.lease(route, { ...lane, ignoreBlocks: true });
  const via = lane.onlySession !== undefined ? `session #${lane.onlySession}` : `proxy ${lane.onlyLane}`;
  if ('none' in leased)
    return {
      route: route.name,
      step: route.step,
      via,
      answer: 'skipped',
      latencyMs: null,
      sample: leased.detail,
    };
  return rowOf(route, describeVia(leased), await send(leased), learned);
}

/**
 * `instagram doctor`: every route through every proxy and session, against a canary, recorded in
 * route health like any answer (so a suspended route that answers again is restored, and one that
 * stopped answering is suspended). Returns data; the command renders the table.
 */
export async function runDoctor(
  runner: RouteRunner,
  witnesses: Witnesses,
  canaryIdHint?: string | null,
): Promise<DoctorReport> {
  const config = runner.config.get();
  const canary = config.canaries[0] ?? FALLBACK_CANARY;
  const rows: ProbeRow[] = [];
  let canaryId: string | null = canaryIdHint ?? null;
  for (const name of Object.keys(RESOLVE_ROUTE_BY_NAME) as Array<keyof typeof RESOLVE_ROUTE_BY_NAME>) {
    const route = RESOLVE_ROUTE_BY_NAME[name];
    const found = await Promise.all(
      lanesOf(runner, route).map((lane) =>
        probe<ResolvedUser | null>(
          runner,
          route,
          lane,
          (leased) =>
            runner.send(route, leased, route.request(canary, config), (raw) =>
              route.read(raw, Boolean(leased.session)),
            ),
          (u) => {
            if (u) canaryId ??= u.id;
            return u ? `id ${u.id}, ${u.isPrivate ? 'private' : 'public'}` : `no user ${canary}`;
          },
        ),
      ),
    );
    rows.push(...found);
  }
  for (const name of Object.keys(STORY_ROUTE_BY_NAME) as Array<keyof typeof STORY_ROUTE_BY_NAME>) {
    const route = STORY_ROUTE_BY_NAME[name];
    if (!canaryId) {
      rows.push({
        route: name,
        step: 'story',
        via: '-',
        answer: 'skipped',
        latencyMs: null,
        sample: `no route resolved ${canary}`,
      });
      continue;
    }
    const id = canaryId;
    const found = await Promise.all(
      lanesOf(runner, route).map((lane) =>
        probe<StoryAnswer>(
          runner,
          route,
          lane,
          (leased) =>
            runner.send(route, leased, route.request([id], config), (raw) =>
              route.read(raw, [id], Date.now()),
            ),
          (a) => {
            const s = a.byId.get(id);
            if (s?.outcome !== 'story')
              return s?.outcome === 'gone' ? `no user with id ${id}` : 'no story now';
            const until = s.story.expiresAt;
            if (until) witnesses.offer([{ id, expiresAtMs: until.getTime() }], true).catch(() => {});
            return `story${until ? ` until ${until.toISOString().slice(11, 16)} UTC` : ''}`;
          },
        ),
      ),
    );
    rows.push(...found);
  }
  await runner.health.refresh().catch(() => {});
  const order: RouteName[] = [
    ...Object.keys(RESOLVE_ROUTE_BY_NAME),
    ...Object.keys(STORY_ROUTE_BY_NAME),
  ] as RouteName[];
  return {
    canary,
    canaryId,
    rows,
    routes: order.map((route) => {
      const mine = rows.filter((r) => r.route === route && r.answer !== 'skipped');
      return {
        route,
        worked: mine.some((r) => r.answer === 'ok'),
        status: runner.health.status(route),
        tried: mine.length,
      };
    }),
  };
}
