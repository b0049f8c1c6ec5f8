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
 * waited longest) and books it, or says how long until the first slot opens. Redis' clock is used so
 * every process agrees.
 */
const SCRIPT = `
local key = ARGV[1]
local interval = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ids = {}
for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end
local slots = redis.call('HMGET', key, unpack(ids))
local best, bestAt = nil, nil
for i, id in ipairs(ids) do
  local at = tonumber(slots[i]) or 0
  if bestAt == nil or at < bestAt then best, bestAt = id, at end
end
if bestAt <= now then
  redis.call('HSET', key, best, string.format('%.0f', now + interval))
  redis.call('PEXPIRE', key, 86400000)
  return { best, 0 }
end
return { '', math.ceil((bestAt - now) / 1000) }
`;

const SHA = createHash('sha1').update(SCRIPT).digest('hex');

export type Reservation = { key: string } | { waitMs: number };

export class RateBudget {
  private readonly intervalUs: number;
  private readonly hashKey: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly limit: number,
    readonly windowMs: number,
  ) {
    this.intervalUs = Math.ceil((windowMs * 1000) / limit);
    this.hashKey = `${prefix}:next-slot`;
  }

  /** Books one request on the best candidate, or says how long until one has room. */
  async reserve(candidateKeys: readonly string[]): Promise<Reservation> {
    if (candidateKeys.length === 0) return { waitMs: this.windowMs };
    const args = [this.hashKey, String(this.intervalUs), ...candidateKeys];
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(SHA, 0, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      reply = await this.redis.eval(SCRIPT, 0, ...args);
    }
    const [key, wait] = reply as [string, number];
    return key ? { key } : { waitMs: Math.max(1, Number(wait)) };
  }
}
