import { isIP } from 'node:net';

/**
 * Whom a count belongs to: an IPv4 address, or an IPv6 address's /64. One host or household is given a
 * whole /64 (2^64 addresses), so counting single IPv6 addresses would give it endless fresh counts.
 */
export function limitKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  // An embedded IPv4 (::ffff:1.2.3.4) is two groups; it lies in the last 64 bits, which are dropped.
  const rightCount = groups(tail ?? '').reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const full = tail === undefined ? left : [...left, ...Array(8 - left.length - rightCount).fill('0')];
  const prefix = full.slice(0, 4).map((g) => (g.includes('.') ? '0' : Number.parseInt(g, 16).toString(16)));
  while (prefix.length < 4) prefix.push('0');
  return `${prefix.join(':')}::/64`;
}

/**
 * Failed logins per client address (an IPv6 address's /64), in this process's memory: the web role
 * runs in one process per deployment, and a restart forgetting the count only gives an attacker 10
 * more guesses at a 256-bit token. Fixed window: LIMIT failures per WINDOW_MS, then 429 until the
 * window ends.
 */
export class LoginLimit {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
    /** At most this many addresses are remembered, whatever a flood of addresses does. */
    private readonly maxAddresses = 10_000,
  ) {}

  /** How many addresses are being counted now. */
  get size(): number {
    return this.failures.size;
  }

  /** Seconds until this address may try again, or 0 when it may try now. */
  blockedFor(ip: string): number {
    const key = limitKey(ip);
    const entry = this.failures.get(key);
    if (!entry) return 0;
    const left = entry.resetAt - this.now();
    if (left <= 0) {
      this.failures.delete(key);
      return 0;
    }
    return entry.count >= this.limit ? Math.ceil(left / 1000) : 0;
  }

  fail(ip: string): void {
    const now = this.now();
    const key = limitKey(ip);
    const entry = this.failures.get(key);
    if (!entry || entry.resetAt <= now) this.failures.set(key, { count: 1, resetAt: now + this.windowMs });
    else entry.count++;
    // A flood of addresses (an IPv6 /64 alone has 2^64) must not grow the map without bound: expired
    // windows go first, then the oldest windows (a Map iterates in insertion order), never the newest.
    if (this.failures.size > this.maxAddresses) {
      for (const [key, e] of this.failures) if (e.resetAt <= now) this.failures.delete(key);
      for (const key of this.failures.keys()) {
        if (this.failures.size <= this.maxAddresses) break;
        this.failures.delete(key);
      }
    }
  }
}
