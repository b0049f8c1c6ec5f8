import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { profiles, proxies } from '../../src/core/db/schema/index.js';
import { generateUsers } from '../fakes/fake-instagram.js';
import { recordNotFound } from '../helpers/batch-fixtures.js';
import { createHarness, type Harness } from './harness.js';

const users = generateUsers(20);
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Instagram misbehaving per IP', () => {
  it('GIVEN Instagram allows 2 requests per IP per minute THEN each proxy is cooled at its first 429, its profile requeued, and a check with no proxy left asks nothing (no_route)', async () => {
    h = await createHarness({
      proxyCount: 2,
      fake: { users, rateLimit: { perIp: 2, windowMs: 60_000, answer: '429' } },
    });
    const c = await h.startChecker({ cooldownBaseMs: 60_000, acquireTimeoutMs: 300 });
    const outcomes: string[] = [];
    for (const u of users.slice(0, 6))
      outcomes.push(...(await c.check([{ username: u.username, igUserId: u.id }])).map((r) => r.outcome));
    console.log('outcomes:', outcomes.join(' '), 'requests by IP:', JSON.stringify(h.fake.requestsByIp));
    // 4 profiles answered (2 per IP); the 5th hit both limits (one 429 each, cooling both: an error
    // that counts); the 6th asked nothing, since every proxy is cooling: no_route, which stops a batch
    // with that reason instead of counting a check nobody made.
    expect(outcomes.slice(0, 4).every((o) => o === 'story' || o === 'no_story')).toBe(true);
    expect(outcomes.slice(4)).toEqual(['rate_limited', 'no_route']);
    expect(Object.values(h.fake.requestsByIp)).toEqual([3, 3]);
    const rows = await h.deps.db.select().from(proxies);
    expect(rows.every((r) => (r.coolingUntil?.getTime() ?? 0) > Date.now() + 30_000)).toBe(true);
  });

  it('GIVEN a false 404 through one proxy THEN one strike only, and the next check through another proxy finds the profile', async () => {
    h = await createHarness({ proxyCount: 2, fake: { users } });
    const target = users[3]!;
    await h.deps.db.insert(profiles).values({ username: target.username });
    h.fake.misbehave({ answer: 'not_found', ip: h.ipOf(0), username: target.username, times: 1 });
    const c = await h.startChecker();
    const [first] = await c.check([{ username: target.username, igUserId: null }]);
    expect(first).toMatchObject({ outcome: 'not_found', proxyId: h.proxyIds[0] });
    expect(await recordNotFound(h.deps, target.username, first?.proxyId ?? null)).toEqual({
      strikes: 1,
      deleted: false,
    });
    const [second] = await c.check([{ username: target.username, igUserId: null }]);
    expect(second?.outcome).toMatch(/^(story|no_story)$/);
    expect(h.fake.requestsTo('profile').map((r) => [r.ip, r.status])).toEqual([
      [h.ipOf(0), 404],
      [h.ipOf(1), 200],
    ]);
    const [row] = await h.deps.db.select().from(profiles).where(eq(profiles.username, target.username));
    expect(row?.status).toBe('active');
  });

  it('GIVEN slow answers THEN the latency shows in the proxy health stats', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users, latencyMs: 150 } });
    const c = await h.startChecker();
    for (const u of users.slice(0, 3)) await c.check([{ username: u.username, igUserId: u.id }]);
    await c.health.flush();
    const [row] = await h.deps.db.select().from(proxies);
    expect(row?.recentLatenciesMs).toHaveLength(3);
    expect(Math.min(...(row?.recentLatenciesMs ?? []))).toBeGreaterThanOrEqual(150);
  });
});
