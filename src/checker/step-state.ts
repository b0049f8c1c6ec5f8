import type { RouteName } from '../core/instagram/index.js';
import type { Failure } from './answer-class.js';
import type { LeaseOptions } from './route-runner.js';

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
