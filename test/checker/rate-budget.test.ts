import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateBudget } from '../../src/checker/rate-budget.js';
import { deleteRedisPrefix } from '../helpers/redis.js';

const prefix = `test-budget-${randomBytes(4).toString('hex')}`;
const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
afterAll(async () => {
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

describe('per-proxy request budget', () => {
  it('GIVEN 5 requests per second on one proxy THEN the next slot is booked ahead when close and only named when far', async () => {
    // 200 ms apart; slots up to 250 ms away are booked ahead.
    const budget = new RateBudget(redis, `${prefix}:a`, 5, 1_000, 250, 0);
    const first = await budget.reserve(['p1']);
    const second = await budget.reserve(['p1']);
    const third = await budget.reserve(['p1']);
    expect(first).toEqual({ key: 'p1', startsInMs: 0 });
    // Booked: the caller sleeps until its slot, with no second round trip.
    expect(second).toMatchObject({ key: 'p1' });
    expect((second as { startsInMs: number }).startsInMs).toBeGreaterThan(150);
    expect((second as { startsInMs: number }).startsInMs).toBeLessThanOrEqual(200);
    // 400 ms away is beyond booking range: not booked, the caller asks again later.
    expect('waitMs' in third).toBe(true);
    expect((third as { waitMs: number }).waitMs).toBeGreaterThan(350);
    // The refusal booked nothing: asking again gives the same slot, not one further on.
    const again = (await budget.reserve(['p1'])) as { waitMs: number };
    expect(again.waitMs).toBeLessThanOrEqual((third as { waitMs: number }).waitMs);
  });

  it('GIVEN several proxies THEN each request goes to the one whose slot is earliest', async () => {
    const budget = new RateBudget(redis, `${prefix}:b`, 1, 1_000, 250, 0);
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await budget.reserve(['p1', 'p2', 'p3']));
    expect(got.map((g) => ('key' in g ? g.key : 'none')).sort()).toEqual(['p1', 'p2', 'p3']);
    expect(got.every((g) => 'key' in g && g.startsInMs === 0)).toBe(true);
    // All three used within the second: the fourth is told to wait about a second.
    const fourth = await budget.reserve(['p1', 'p2', 'p3']);
    expect('waitMs' in fourth && fourth.waitMs > 900).toBe(true);
  });

  it('GIVEN the default jitter THEN gaps vary about +-30 % yet no window ever holds more than the budget', async () => {
    // 10 requests per 500 ms on one proxy: 50 ms apart on average.
    const budget = new RateBudget(redis, `${prefix}:c`, 10, 500);
    const starts: number[] = [];
    while (starts.length < 60) {
      const r = await budget.reserve(['p1']);
      if ('key' in r) {
        // The booked start, on Redis' clock (the newest entry of the proxy's log): timers wake late on
        // a busy machine, and what the budget promises is when requests are allowed to start.
        starts.push(Number(await redis.lindex(`${prefix}:c:recent:p1`, 0)) / 1000);
        if (r.startsInMs > 0) await new Promise((done) => setTimeout(done, r.startsInMs));
      } else await new Promise((done) => setTimeout(done, r.waitMs));
    }
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    const sorted = [...gaps].sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0; i < starts.length; i++)
      worst = Math.max(worst, starts.filter((t) => t >= starts[i]! && t < starts[i]! + 499).length);
    console.log(
      `jittered spacing: gaps ${Math.round(sorted[0]!)}..${Math.round(sorted.at(-1)!)} ms (interval 50), most in any 500 ms window: ${worst}`,
    );
    expect(worst).toBeLessThanOrEqual(10);
    expect(sorted[0]!).toBeLessThan(44);
    expect(sorted.at(-1)!).toBeGreaterThan(56);
  });
});
