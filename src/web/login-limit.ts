/**
 * Failed logins per client address, in this process's memory: the web role runs in one process per
 * deployment, and a restart forgetting the count only gives an attacker 10 more guesses at a 256-bit
 * token. Fixed window: LIMIT failures per WINDOW_MS, then 429 until the window ends.
 */
export class LoginLimit {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this address may try again, or 0 when it may try now. */
  blockedFor(ip: string): number {
    const entry = this.failures.get(ip);
    if (!entry) return 0;
    const left = entry.resetAt - this.now();
    if (left <= 0) {
      this.failures.delete(ip);
      return 0;
    }
    return entry.count >= this.limit ? Math.ceil(left / 1000) : 0;
  }

  fail(ip: string): void {
    const now = this.now();
    const entry = this.failures.get(ip);
    if (!entry || entry.resetAt <= now) this.failures.set(ip, { count: 1, resetAt: now + this.windowMs });
    else entry.count++;
    // A flood of addresses must not grow the map without bound.
    if (this.failures.size > 10_000) {
      for (const [key, e] of this.failures) if (e.resetAt <= now) this.failures.delete(key);
    }
  }
}
