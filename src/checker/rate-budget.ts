import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Per-proxy request budgets, held in Redis so they hold across worker processes. One script call
 * picks, among the candidate proxies, the one that has waited longest (oldest last use) and still has
 * room in its sliding window, and books the request on it atomically. Redis' own clock is used so
 * every process agrees on the window.
 */
const SCRIPT = `
local prefix = ARGV[1]
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lastKey = prefix .. ':last-used'
local cands = {}
for i = 4, #ARGV do
  local score = redis.call('ZSCORE', lastKey, ARGV[i])
  cands[#cands + 1] = { ARGV[i], tonumber(score) or 0, i }
end
table.sort(cands, function(a, b)
  if a[2] == b[2] then return a[3] < b[3] end
  return a[2] < b[2]
end)
local minWait = -1
for _, c in ipairs(cands) do
  local key = prefix .. ':budget:' .. c[1]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local used = redis.call('ZCARD', key)
  if used < limit then
    local seq = redis.call('INCR', prefix .. ':seq')
    redis.call('ZADD', key, now, tostring(now) .. '-' .. tostring(seq))
    redis.call('PEXPIRE', key, window + 1000)
    redis.call('ZADD', lastKey, now, c[1])
    return { c[1], 0 }
  end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + window - now
  if wait < 1 then wait = 1 end
  if minWait < 0 or wait < minWait then minWait = wait end
end
return { '', minWait }
`;

const SHA = createHash('sha1').update(SCRIPT).digest('hex');

export type Reservation = { key: string } | { waitMs: number };

export class RateBudget {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Books one request on the best candidate, or says how long until one has room. */
  async reserve(candidateKeys: readonly string[]): Promise<Reservation> {
    if (candidateKeys.length === 0) return { waitMs: this.windowMs };
    const args = [this.prefix, String(this.limit), String(this.windowMs), ...candidateKeys];
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
