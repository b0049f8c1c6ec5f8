import type { CheckResult, CheckTarget } from '../core/checks.js';
import type { CheckerAlert } from './alerts.js';

export type { CheckOutcome, CheckResult, CheckTarget, StorySeen } from '../core/checks.js';
export { CONCLUSIVE_OUTCOMES } from '../core/checks.js';
export type { CheckerAlert } from './alerts.js';

/** The contract between the batch engine and the Instagram checker. */
export interface StoryChecker {
  /** How many profiles one `check` call should carry: the ids the best usable story route takes at once. */
  preferredGroupSize(): Promise<number>;
  /** Checks the targets (retrying on other proxies, sessions and routes inside), one result per target. */
  check(targets: readonly CheckTarget[], options?: { signal?: AbortSignal }): Promise<CheckResult[]>;
}

/** Optional extras a checker implementation may offer (the batch engine treats them as optional). */
export interface StoryCheckerExtras {
  /** Alerts raised since the last call, oldest first; each is returned once (the last 100 are kept). */
  drainAlerts?(): CheckerAlert[];
  /** Flushes health stats and closes connections. */
  close?(): Promise<void>;
  /** Why checks cannot go out right now (every proxy cooling down...), or null when they can. */
  waitingReason?(): string | null;
}
