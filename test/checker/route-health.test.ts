import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RouteHealth } from '../../src/checker/route-health.js';
import { deleteRedisPrefix } from '../helpers/redis.js';

const prefixes: string[] = [];
const conns: Redis[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.disconnect();
  for (const p of prefixes.splice(0)) await deleteRedisPrefix(p);
});

/** Two "workers" sharing one Redis prefix, on a clock the test moves. */
function twoWorkers() {
  const prefix = `sw-test-${randomUUID()}`;
  prefixes.push(prefix);
  const clock = { t: 1_800_000_000_000 };
  const make = () => {
    const redis = new Redis('redis://127.0.0.1:6379');
    conns.push(redis);
    return new RouteHealth(redis, prefix, {
      now: () => clock.t,
      windowMs: 60_000,
      baseMs: 10_000,
      maxMs: 40_000,
      laneBlockMs: 30_000,
    });
  };
  return { a: make(), b: make(), clock };
}

describe('route health: when a route is suspended (the rule in docs/instagram.md)', () => {
  it('GIVEN a wall through one of three proxies THEN only that lane is skipped for that route; the route stays usable', async () => {
    const { a, b } = twoWorkers();
    expect(await a.recordBad('web_profile_info', 'p1', 'wall', '401 require_login', 3)).toBeNull();
    await b.refresh();
    expect(b.status('web_profile_info')).toBe('active');
    expect([...b.blockedLanes('web_profile_info')]).toEqual(['p1']);
    expect(b.blockedLanes('profile_page').size).toBe(0);
  });

  it('GIVEN walls through three distinct proxies from two workers THEN the route is suspended once, and both see it', async () => {
    const { a, b } = twoWorkers();
    const transitions = [
      await a.recordBad('web_profile_info', 'p1', 'wall', 'x', 3),
      await b.recordBad('web_profile_info', 'p1', 'wall', 'x', 3),
      await b.recordBad('web_profile_info', 'p2', 'wall', 'x', 3),
      await a.recordBad('web_profile_info', 'p3', 'wall', 'x', 3),
      await b.recordBad('web_profile_info', 'p2', 'wall', 'x', 3),
    ].filter(Boolean);
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({ kind: 'suspended', route: 'web_profile_info' });
    await b.refresh();
    expect(b.status('web_profile_info')).toBe('suspended');
  });

  it('GIVEN a retirement through two proxies THEN suspended (a property of the route, so two lanes suffice)', async () => {
    const { a } = twoWorkers();
    expect(await a.recordBad('reel_query', 'p1', 'retired', '400 execution error', 5)).toBeNull();
    expect(await a.recordBad('reel_query', 'p2', 'retired', '400 execution error', 5)).not.toBeNull();
  });

  it('GIVEN a success between two bad answers THEN the earlier one no longer counts', async () => {
    const { a, clock } = twoWorkers();
    await a.recordBad('reel_query', 'p1', 'retired', 'x', 5);
    clock.t += 6_000;
    await a.recordOk('reel_query', 'p3');
    clock.t += 1;
    expect(await a.recordBad('reel_query', 'p2', 'retired', 'x', 5)).toBeNull();
    expect(a.status('reel_query')).toBe('active');
  });

  it('GIVEN a suspension that ends THEN probation: one trial at a time; a failure suspends it longer without a second alert, a success restores it with one', async () => {
    const { a, b, clock } = twoWorkers();
    await a.recordBad('reel_query', 'p1', 'retired', 'x', 1);
    expect(a.state('reel_query').until - clock.t).toBe(10_000);
    clock.t += 10_001;
    expect(a.status('reel_query')).toBe('probation');
    expect(await a.claimTrial('reel_query')).toBe(true);
    expect(await b.claimTrial('reel_query')).toBe(false);
    expect(await a.recordBad('reel_query', 'p1', 'retired', 'x', 1)).toBeNull();
    expect(a.state('reel_query').until - clock.t).toBe(20_000);
    clock.t += 20_001;
    const back = await b.recordOk('reel_query', 'p1');
    expect(back).toMatchObject({ kind: 'recovered', route: 'reel_query' });
    await a.refresh();
    expect(a.status('reel_query')).toBe('active');
    expect(a.blockedLanes('reel_query').size).toBe(0);
  });

  it('GIVEN a healthy route THEN successes cost no Redis write per request (one every few seconds)', async () => {
    const { a } = twoWorkers();
    const redis = (a as unknown as { redis: Redis }).redis;
    let evals = 0;
    const original = redis.eval.bind(redis);
    (redis as unknown as { eval: typeof redis.eval }).eval = ((...args: Parameters<typeof redis.eval>) => {
      evals++;
      return original(...args);
    }) as typeof redis.eval;
    for (let i = 0; i < 100; i++) await a.recordOk('reels_query_hash', 's1');
    expect(evals).toBe(1);
  });
});
