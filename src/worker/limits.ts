import type { Redis } from 'ioredis';

/**
 * Caps that must hold across every worker process live in Redis, each as one Lua script so a check and
 * its bookkeeping are atomic. Times come from Redis (TIME), so machines with skewed clocks agree.
 *
 * Threads: a sorted set of leases (member = lease token, score = expiry). A worker killed with SIGKILL
 * cannot release its leases; they expire after `leaseMs` unless renewed, so its slots come back.
 *
 * Profiles per minute: a sorted set of check starts (score = start time). A start is admitted only if
 * the starts in the last window plus this group stay within the cap; otherwise the script says how long
 * until enough old starts leave the window. A batched session check of 20 profiles takes 20 starts.
 */
const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const ACQUIRE_THREAD = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 4)
  return 1
end
return 0`;

const RENEW_THREADS = `${NOW}
local n = 0
for i = 2, #ARGV do n = n + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 4)
return n`;

const ACQUIRE_RATE = `${NOW}
local limit = tonumber(ARGV[1]); local window = tonumber(ARGV[2]); local n = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count + n <= limit then
  for i = 1, n do redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. i) end
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return 0
end
local k = count + n - limit
local oldest = redis.call('ZRANGE', KEYS[1], k - 1, k - 1, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now + 1
if wait < 1 then wait = 1 end
return wait`;

/**
 * Both caps in one round trip: a thread slot and `n` starts in the window, or neither. Returns 0 when
 * both were taken, -1 when no thread slot is free, else the ms until the window has room.
 */
const ACQUIRE_BOTH = `${NOW}
local threads = tonumber(ARGV[1]); local lease = tonumber(ARGV[3])
local limit = tonumber(ARGV[4]); local window = tonumber(ARGV[5]); local n = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= threads then return -1 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[2])
if count + n > limit then
  local k = count + n - limit
  local oldest = redis.call('ZRANGE', KEYS[2], k - 1, k - 1, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + window - now + 1
  if wait < 1 then wait = 1 end
  return wait
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
redis.call('PEXPIRE', KEYS[1], lease * 4)
for i = 1, n do redis.call('ZADD', KEYS[2], now, ARGV[2] .. ':' .. i) end
redis.call('PEXPIRE', KEYS[2], window * 2)
return 0`;

export type Acquired = { token: string } | { noThread: true } | { waitMs: number };

export interface LimitOptions {
  /** Length of the profiles-per-minute window; 60 s in production, shorter in tests. */
  rateWindowMs: number;
  /**
   * Added to the window internally: a check's first request reaches Instagram a little after its start
   * was admitted, and that jitter must not squeeze two windows' worth of requests into one.
   */
  rateGuardMs: number;
  /** A thread lease lives this long unless renewed (renewed every third of it while the check runs). */
  leaseMs: number;
}

export const DEFAULT_LIMITS: LimitOptions = { rateWindowMs: 60_000, rateGuardMs: 250, leaseMs: 30_000 };

let seq = 0;

export class GlobalLimits {
  private readonly threadsKey: string;
  private readonly rateKey: string;
  private readonly held = new Set<string>();
  private readonly renewTimer: NodeJS.Timeout;
  private readonly idBase = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    readonly options: LimitOptions = DEFAULT_LIMITS,
  ) {
    this.threadsKey = `${keyPrefix}:limits:threads`;
    this.rateKey = `${keyPrefix}:limits:starts`;
    this.renewTimer = setInterval(
      () => void this.renew().catch(() => {}),
      Math.max(200, options.leaseMs / 3),
    );
    this.renewTimer.unref();
  }

  /** One try for a thread slot; returns the lease token or null when all `threads` slots are taken. */
  async tryAcquireThread(threads: number): Promise<string | null> {
    const token = `${this.idBase}-${++seq}`;
    const ok = await this.redis.eval(
      ACQUIRE_THREAD,
      1,
      this.threadsKey,
      threads,
      token,
      this.options.leaseMs,
    );
    if (Number(ok) !== 1) return null;
    this.held.add(token);
    return token;
  }

  /** A thread slot plus `n` starts within `perWindow`, atomically (see ACQUIRE_BOTH). */
  async tryAcquire(threads: number, n: number, perWindow: number): Promise<Acquired> {
    const token = `${this.idBase}-${++seq}`;
    const window = this.options.rateWindowMs + this.options.rateGuardMs;
    const r = Number(
      await this.redis.eval(
        ACQUIRE_BOTH,
        2,
        this.threadsKey,
        this.rateKey,
        threads,
        token,
        this.options.leaseMs,
        perWindow,
        window,
        n,
      ),
    );
    if (r === 0) {
      this.held.add(token);
      return { token };
    }
    return r < 0 ? { noThread: true } : { waitMs: r };
  }

  /**
   * Gives a slot back without waiting for the answer: commands on one connection run in order, so this
   * process's next acquire already sees the slot free, and the check after it starts one round trip sooner.
   */
  releaseSoon(token: string): void {
    this.held.delete(token);
    this.redis.zrem(this.threadsKey, token).catch(() => {});
  }

  async releaseThread(token: string): Promise<void> {
    this.held.delete(token);
    await this.redis.zrem(this.threadsKey, token);
  }

  /** Admits `n` check starts now (0) or says how many ms to wait before asking again. */
  async tryAcquireStarts(n: number, perWindow: number): Promise<number> {
    const window = this.options.rateWindowMs + this.options.rateGuardMs;
    const wait = await this.redis.eval(
      ACQUIRE_RATE,
      1,
      this.rateKey,
      perWindow,
      window,
      n,
      `${this.idBase}-${++seq}`,
    );
    return Number(wait);
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    await this.redis.eval(RENEW_THREADS, 1, this.threadsKey, this.options.leaseMs, ...this.held);
  }

  /** Stops renewing; leases still held expire on their own. */
  close(): void {
    clearInterval(this.renewTimer);
  }
}

/**
 * The thread cap inside one process: lanes of all the batches this process runs wait here, in order,
 * before asking Redis, so only as many lanes as there are threads poll the shared semaphore. Without
 * it, five parallel batches mean a hundred lanes polling for twenty slots.
 */
export class LocalGate {
  private active = 0;
  private readonly waiters = new Set<() => void>();

  /** Waits for a place under `limit()` (re-read while waiting); false when `stop()` turned true. */
  async enter(limit: () => Promise<number>, stop: () => boolean): Promise<boolean> {
    for (;;) {
      if (stop()) return false;
      if (this.active < (await limit())) {
        this.active++;
        return true;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        // A raised thread setting or a stop is noticed within this time even without a leave().
        const timer = setTimeout(wake, 250);
        this.waiters.add(wake);
      });
    }
  }

  leave(): void {
    this.active = Math.max(0, this.active - 1);
    const next = this.waiters.values().next();
    if (!next.done) next.value();
  }
}
