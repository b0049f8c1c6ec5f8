import { randomBytes } from 'node:crypto';
import { type AppContext, createAppContext } from '../../src/app/context.js';
import {
  createStoryChecker,
  type RunningStoryChecker,
  type StoryCheckerOptions,
} from '../../src/checker/index.js';
import type { CheckOutcome, CheckResult, CheckTarget, StoryChecker } from '../../src/checker/types.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/core/logger.js';
import { LogCapture } from '../helpers/deps.js';

export const newPrefix = () => `sw-test-${randomBytes(8).toString('hex')}`;

/** A whole AppContext (own pools, own Redis connections) on a test database and a random queue prefix. */
export function createTestApp(
  databaseUrl: string,
  prefix: string,
  extraEnv: Record<string, string> = {},
): AppContext & { logs: LogCapture } {
  const env = loadEnv({ DATABASE_URL: databaseUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', ...extraEnv });
  const logs = new LogCapture();
  const app = createAppContext(env, createLogger({ level: 'info' }, logs));
  return Object.assign(app, { logs });
}

export { deleteRedisPrefix } from '../helpers/redis.js';

/**
 * A StoryChecker implementation for engine tests: answers from a script after a latency, and records
 * how many checks were in flight at once (high-water mark) and when each profile's check started.
 */
export class ScriptedChecker implements StoryChecker {
  inFlight = 0;
  maxInFlight = 0;
  readonly starts: Array<{ at: number; username: string }> = [];
  readonly checkedCount = new Map<string, number>();
  constructor(
    public latencyMs: number,
    private readonly outcomeOf: (username: string) => CheckOutcome = () => 'no_story',
    public groupSize = 1,
  ) {}

  async preferredGroupSize(): Promise<number> {
    return this.groupSize;
  }

  async check(targets: readonly CheckTarget[]): Promise<CheckResult[]> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const at = Date.now();
    for (const t of targets) {
      this.starts.push({ at, username: t.username });
      this.checkedCount.set(t.username, (this.checkedCount.get(t.username) ?? 0) + 1);
    }
    try {
      await new Promise((r) => setTimeout(r, this.latencyMs));
      return targets.map((t) => {
        const outcome = this.outcomeOf(t.username);
        return {
          username: t.username,
          outcome,
          attempts: 1,
          proxyId: null,
          story: outcome === 'story' ? { takenAt: new Date(at - 3600_000), expiresAt: null } : undefined,
        };
      });
    } finally {
      this.inFlight -= 1;
    }
  }
}

/** The most timestamps that fall in any half-open window [t, t + windowMs). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The real checker as a test worker uses it: the fake Instagram at `instagramUrl`, the proxies stored
 * in the app's database, a generous per-proxy budget and this prefix's Redis keys.
 */
export async function testChecker(
  app: AppContext,
  instagramUrl: string,
  prefix: string,
  over: Partial<StoryCheckerOptions> = {},
): Promise<RunningStoryChecker> {
  return createStoryChecker({
    core: app.core,
    redis: app.redis('checker'),
    options: {
      instagramUrl,
      allowDirect: false,
      requestsPerMinute: 600,
      timeoutMs: 3_000,
      keyPrefix: `${prefix}:checker`,
      ...over,
    },
  });
}
