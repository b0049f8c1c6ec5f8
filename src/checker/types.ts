/**
 * The contract between the batch engine and the Instagram checker. Every answer Instagram can give is
 * an outcome, never an exception that would kill a batch.
 */
export type CheckOutcome =
  | 'story'
  | 'no_story'
  | 'private'
  | 'not_found'
  | 'rate_limited'
  | 'login_wall'
  | 'session_invalid'
  | 'transient'
  | 'proxy_failed'
  | 'unexpected';

/** Outcomes that mean "we learned the truth about this profile" (the others are errors). */
export const CONCLUSIVE_OUTCOMES: ReadonlySet<CheckOutcome> = new Set([
  'story',
  'no_story',
  'private',
  'not_found',
]);

export interface CheckTarget {
  username: string;
  /** Cached Instagram user id, when known: saves the username lookup. */
  igUserId: string | null;
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
  attempts: number;
  /** Masked, human-readable cause for error outcomes. */
  detail?: string;
}

export interface StoryChecker {
  /** How many profiles one `check` call should carry: 20 when a logged-in session is usable, else 1. */
  preferredGroupSize(): Promise<number>;
  /** Checks the targets (retrying on other proxies inside), one result per target, in any order. */
  check(targets: readonly CheckTarget[], options?: { signal?: AbortSignal }): Promise<CheckResult[]>;
}

/** Something the operator must hear about, raised while checking (a session Instagram refused). */
export interface CheckerAlert {
  kind: 'session_disabled';
  message: string;
  sessionId?: number;
  proxyId?: number | null;
}

/** Optional extras a checker implementation may offer (the batch engine treats them as optional). */
export interface StoryCheckerExtras {
  /** Alerts raised since the last call, oldest first; each is returned once. */
  drainAlerts?(): CheckerAlert[];
  /** Flushes health stats and closes connections. */
  close?(): Promise<void>;
}
