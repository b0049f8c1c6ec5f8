import { type CheckOutcome, type CheckResult, NOT_STARTED_DETAIL } from '../core/checks.js';
import type { RouteName } from '../core/instagram/index.js';
import { maskSecrets } from '../core/mask.js';
import type { Failure } from './answer-class.js';
import type { LeaseOptions, NoLane } from './route-runner.js';

/**
 * The retry books of one step (resolve or story) for one profile or chunk: which routes failed as
 * routes, which lanes and sessions to avoid, how many plain retries are left.
 */
export class StepState {
  readonly tried = new Set<RouteName>();
  readonly failures = new Map<RouteName, string>();
  readonly avoidLanes = new Set<string>();
  readonly excludeLanes = new Set<string>();
  readonly avoidSessions = new Set<number>();
  made = 0;
  last: Failure | undefined;
  retriesLeft: number;
  /** Hard stop, whatever happens: routes x lanes can be many, a check must still end. */
  readonly maxRequests: number;

  constructor(maxRetries: number) {
    this.retriesLeft = maxRetries;
    this.maxRequests = maxRetries + 12;
  }

  /** This route cannot help this profile now: try the next one. */
  routeFailed(route: RouteName, why: string): void {
    this.tried.add(route);
    this.failures.set(route, why);
  }

  leaseOptions(signal?: AbortSignal): LeaseOptions {
    return {
      avoidLanes: this.avoidLanes,
      excludeLanes: this.excludeLanes,
      avoidSessions: this.avoidSessions,
      ...(signal ? { signal } : {}),
    };
  }
}

/** What a failed answer of each class ends a check as, when it cannot be retried. */
export const OUTCOME_OF: Record<Failure['cls'], Exclude<CheckOutcome, 'story' | 'no_story' | 'private'>> = {
  not_found: 'not_found',
  unavailable: 'unavailable',
  rate_limited: 'rate_limited',
  wall: 'login_wall',
  retired: 'unexpected',
  fingerprint: 'unexpected',
  changed: 'unexpected',
  session_invalid: 'session_invalid',
  transient: 'transient',
  proxy_failed: 'proxy_failed',
  unexpected: 'unexpected',
};

/** Stopped before asking (a cancel or shutdown): not recorded, the profile stays open. */
export const NOT_STARTED = { outcome: 'transient', detail: NOT_STARTED_DETAIL, attempts: 0 } as const;

/**
 * No lane could be had for a route. Undefined: try the next route. Otherwise what the check ends
 * as: the answer already received (with why no retry was possible); or, when nothing was asked,
 * never an error that would count as a check: not started (a cancel, Redis away: the item stays
 * open and is tried again) or `no_route` (no proxy usable at all: the batch stops and says why).
 */
export function endWithoutLane(
  leased: NoLane,
  st: StepState,
  liveLanes: number,
  signal?: AbortSignal,
): Omit<CheckResult, 'username'> | undefined {
  if (leased.none === 'no_session' || leased.none === 'proxy_failed') {
    if (leased.none === 'no_session' || liveLanes > 0) return undefined;
  }
  if (signal?.aborted || leased.detail === NOT_STARTED_DETAIL) return NOT_STARTED;
  const last = st.last;
  // After a route-level answer (walled, retired) the next route may still answer: not this profile's error.
  if (st.made > 0 && last && !['rate_limited', 'transient', 'proxy_failed'].includes(last.cls))
    return undefined;
  if (st.made > 0 && last)
    return {
      outcome: OUTCOME_OF[last.cls],
      detail: maskSecrets(`${last.detail}; retry impossible: ${leased.detail}`),
      attempts: st.made,
    };
  if (leased.none === 'transient') return { outcome: 'transient', detail: leased.detail, attempts: 0 };
  return { outcome: 'no_route', detail: `no proxy is usable: ${leased.detail}`, attempts: 0 };
}
