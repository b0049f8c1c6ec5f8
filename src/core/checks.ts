/**
 * What a check of one profile can end as. The outcome taxonomy is a domain type: the batch engine
 * records it, stats count it, and the checker produces it. Every answer Instagram can give is an
 * outcome, never an exception that would kill a batch.
 */
export type CheckOutcome =
  | 'story'
  | 'no_story'
  | 'private'
  | 'not_found'
  /** Instagram answered but will not show this profile (the business-account "asset deleted" 400). */
  | 'unavailable'
  | 'rate_limited'
  | 'login_wall'
  | 'session_invalid'
  | 'transient'
  | 'proxy_failed'
  | 'unexpected'
  /**
   * No route of a step can be used (every one walled, retired or needing a session there is none of).
   * Never recorded: the profile stays unchecked and the batch stops with the reason.
   */
  | 'no_route';

/** Outcomes that mean "we learned something true about this profile" (the others are errors). */
export const CONCLUSIVE_OUTCOMES: ReadonlySet<CheckOutcome> = new Set([
  'story',
  'no_story',
  'private',
  'not_found',
  'unavailable',
]);

export interface CheckTarget {
  username: string;
  /** Cached Instagram user id, when known: saves the username lookup. */
  igUserId: string | null;
  /** When the profile last answered conclusively (a 404 for a recently answering profile is confirmed). */
  lastCheckedAt?: Date | null;
}

export interface StorySeen {
  takenAt: Date | null;
  expiresAt: Date | null;
}

export interface CheckResult {
  username: string;
  outcome: CheckOutcome;
  /** Learned on this check (to cache on the profile). */
  igUserId?: string;
  story?: StorySeen;
  /** The proxy that gave the final answer (the 2-strike deletion rule needs distinct proxies). */
  proxyId?: number | null;
  sessionId?: number | null;
  /** The route that gave the final answer (`reels_query_hash`, ...). */
  route?: string;
  attempts: number;
  /** Masked, human-readable cause for error outcomes. */
  detail?: string;
}

/** What a check answers when it was stopped before its request went out (a cancel, a shutdown). */
export const NOT_STARTED_DETAIL = 'cancelled';

/**
 * A check that asked Instagram nothing (stopped while waiting for a proxy or a slot, or the request
 * budget in Redis could not be reached): nothing is recorded, the profile stays open for a later try.
 */
export function notStarted(r: CheckResult): boolean {
  return r.outcome === 'transient' && r.attempts === 0;
}
