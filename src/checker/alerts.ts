import type { RouteName } from '../core/instagram/index.js';
import { maskSecrets } from '../core/mask.js';
import type { RouteTransition } from './route-health.js';

/** Something the operator must hear about, raised while checking. `key` makes it deliverable once. */
export interface CheckerAlert {
  kind: 'session_disabled' | 'route_suspended' | 'route_recovered' | 'client_refused';
  /** Unique per occurrence (a disablement, a suspension): the delivery dedupe key is built from it. */
  key: string;
  message: string;
  sessionId?: number;
  proxyId?: number | null;
  route?: RouteName;
}

const STEP_OF: Record<RouteName, 'resolve' | 'story'> = {
  web_profile_info: 'resolve',
  profile_page: 'resolve',
  web_profile_info_session: 'resolve',
  reel_query: 'story',
  reels_media: 'story',
  reels_query_hash: 'story',
};

const minutes = (ms: number) => Math.max(1, Math.round(ms / 60_000));

export function routeAlert(t: RouteTransition, retryInMs = 0): CheckerAlert {
  const step = STEP_OF[t.route] === 'resolve' ? 'username lookups' : 'story checks';
  if (t.kind === 'recovered') {
    return {
      kind: 'route_recovered',
      key: `route:${t.route}:recovered:${t.since}`,
      route: t.route,
      message: `Instagram route ${t.route} answers again and is back in use for ${step}.`,
    };
  }
  const hint = /retired/.test(t.reason)
    ? ' Instagram may have retired its query id: set the current one with `instagram set`.'
    : /fingerprint/.test(t.reason)
      ? ' Instagram refuses our client fingerprint: update `instagram set user_agent ...`.'
      : '';
  return {
    kind: 'route_suspended',
    key: `route:${t.route}:suspended:${t.since}`,
    route: t.route,
    message: maskSecrets(
      `Instagram route ${t.route} is suspended for ${step}: ${t.reason}. Other routes carry on; it is tried again in about ${minutes(retryInMs)} min.${hint} \`instagram routes\` shows every route.`,
    ),
  };
}

export function sessionAlert(
  session: { id: number; dsUserId: string },
  disabledAt: Date,
  reason: string,
  proxyId: number | null,
): CheckerAlert {
  return {
    kind: 'session_disabled',
    key: `session:${session.id}:disabled:${disabledAt.getTime()}`,
    sessionId: session.id,
    proxyId,
    message: maskSecrets(
      `Instagram refused session #${session.id} (account ${session.dsUserId}): ${reason}. It is disabled; checks continue with other sessions or anonymously. Add fresh cookies with \`session add\`.`,
    ),
  };
}

export function fingerprintAlert(route: RouteName, detail: string, nowMs: number): CheckerAlert {
  return {
    kind: 'client_refused',
    key: `fingerprint:${route}:${Math.floor(nowMs / 3_600_000)}`,
    route,
    message: maskSecrets(
      `Instagram answered ${detail} on route ${route}: it does not believe our client is a browser. No proxy was cooled down (this is not about an IP). Update the browser identity with \`instagram set user_agent "Mozilla/5.0 ..."\` (and app_id / asbd_id if they changed).`,
    ),
  };
}
