import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Per-proxy request budgets, held in Redis so they hold across worker processes.
 *
 * A budget of N requests per window W is enforced by spacing: each proxy's requests are at least W/N
 * apart, so no window of length W can ever hold more than N of them (a sliding log would allow a burst
 * of N at once, which is also what an IP-level rate limiter notices first). State is one hash field per
 * proxy, the earliest time of its next request, so a reservation costs O(1) whatever the budget.
 *
 * One script call picks, among the candidates, the proxy whose next slot is earliest (the one that has
 * waited longest) and books it. A slot that opens within `maxAheadMs` is booked ahead and the caller
 * sleeps until it, instead of polling with a jittered sleep (up to 5 ms) and another round trip per try.
 * The wait is rounded down to whole milliseconds, so a slot less than 1 ms away is taken at once: no
 * timer is that precise, and the request's own trip to Instagram varies by more. A slot further away
 * than `maxAheadMs` is not booked (the proxy may cool down or be removed meanwhile); the caller is told
 * when to ask again. Redis' clock is used so every process agrees.
 *
 * The spacing varies by a random factor (default +-30 %): a metronome-regular request stream is what
 * bot detection looks for. Because short gaps could then put more than N requests in a window, each
 * proxy also keeps the times of its last N requests (when N is at most LOG_MAX) and a request never
 * starts before the N-th last one plus the window: the budget holds exactly over any window.
 */
const LOG_MAX = 2_000;
const SCRIPT = `
local key = ARGV[1]
local interval = tonumber(ARGV[2])
local jitter = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local logPrefix = ARGV[6]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ids = {}
for i = 7, #ARGV - 1 do ids[#ids + 1] = ARGV[i] end
local slots = redis.call('HMGET', key, unpack(ids))
local best, bestAt = nil, nil
for i, id in ipairs(ids) do
  local at = tonumber(slots[i]) or 0
  if limit > 0 and redis.call('LLEN', logPrefix .. id) >= limit then
    at = math.max(at, tonumber(redis.call('LINDEX', logPrefix .. id, -1)) + window)
  end
  if bestAt == nil or at < bestAt then best, bestAt = id, at end
end
local ahead = tonumber(ARGV[#ARGV])
if bestAt - now <= ahead then
  local at = math.max(bestAt, now)
  redis.call('HSET', key, best, string.format('%.0f', at + interval * jitter))
  redis.call('PEXPIRE', key, 86400000)
  if limit > 0 then
    local log = logPrefix .. best
    redis.call('LPUSH', log, string.format('%.0f', at))
    redis.call('LTRIM', log, 0, limit - 1)
    redis.call('PEXPIRE', log, 86400000)
  end
  return { best, math.floor((at - now) / 1000) }
end
return { '', math.ceil((bestAt - now) / 1000) }
`;

const SHA = createHash('sha1').update(SCRIPT).digest('hex');

/** A booked slot on `key` that opens in `startsInMs` (0: now), or how long until asking again helps. */
export type Reservation = { key: string; startsInMs: number } | { waitMs: number };

export class RateBudget {
  private readonly intervalUs: number;
  private readonly hashKey: string;
  private readonly logPrefix: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly limit: number,
    readonly windowMs: number,
    private readonly maxAheadMs = Math.min(250, windowMs),
    /** Spacing varies within +-jitter of the interval (0 for exact spacing). */
    private readonly jitter = 0.3,
  ) {
    this.intervalUs = Math.ceil((windowMs * 1000) / limit);
    this.hashKey = `${prefix}:next-slot`;
    this.logPrefix = `${prefix}:recent:`;
  }

  /** Books one request on the best candidate, or says how long until one has room. */
  async reserve(candidateKeys: readonly string[]): Promise<Reservation> {
    if (candidateKeys.length === 0) return { waitMs: this.windowMs };
    const factor = 1 - this.jitter + Math.random() * 2 * this.jitter;
    const logLimit = this.jitter > 0 && this.limit <= LOG_MAX ? this.limit : 0;
    const args = [
      this.hashKey,
      String(this.intervalUs),
      factor.toFixed(4),
      String(logLimit),
      String(this.windowMs * 1000),
      this.logPrefix,
      ...candidateKeys,
      String(this.maxAheadMs * 1000),
    ];
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(SHA, 0, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      reply = await this.redis.eval(SCRIPT, 0, ...args);
    }
    const [key, wait] = reply as [string, number];
    return key ? { key, startsInMs: Number(wait) } : { waitMs: Math.max(1, Number(wait)) };
  }
}
