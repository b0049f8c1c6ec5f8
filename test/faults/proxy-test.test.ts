import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { renderProxyTest } from '../../src/bot/commands/proxy.js';
import { RateBudget } from '../../src/checker/rate-budget.js';
import {
  lazyProxyBudget,
  type ProxyTestOptions,
  retestDeadProxies,
  testProxies,
} from '../../src/checker/test-proxies.js';
import { proxies } from '../../src/core/db/schema/index.js';
import { renderPlain } from '../../src/reply/reply.js';
import { createHarness, type Harness } from '../checker/harness.js';
import type { ConnectProxy } from '../fakes/connect-proxy.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function row(harness: Harness, id: number) {
  const [r] = await harness.deps.db.select().from(proxies).where(eq(proxies.id, id));
  if (!r) throw new Error(`no proxy ${id}`);
  return r;
}

/** The checker's budget for the harness' proxies (its Redis, its prefix). */
const budgetOf = (harness: Harness, perMinute = 600) =>
  new RateBudget(harness.redis, `${harness.prefix}:checker`, perMinute, 60_000);

const optionsOf = (harness: Harness, over: Partial<ProxyTestOptions> = {}): ProxyTestOptions => ({
  instagramUrl: harness.fake.url,
  timeoutMs: 2_000,
  budget: budgetOf(harness),
  ...over,
});

describe('never lose #14.13: proxy test cools a failing proxy down instead of taking it out of service', () => {
  it('GIVEN a proxy that fails one test THEN it is cooling and failing, not dead, the pool uses it again after the cooldown, and a passing test clears the cooldown and marks it ok', async () => {
    h = await createHarness({ proxyCount: 2 });
    const checker = await h.startChecker();
    const [id] = h.proxyIds as [number];
    const proxy = h.proxies[0] as ConnectProxy;
    proxy.failConnect = true;
    const failed = await testProxies(h.deps, optionsOf(h, { cooldownBaseMs: 400 }), id);
    expect(failed.results[0]).toMatchObject({ id, status: 'unreachable', health: 'failing' });
    const cooled = await row(h, id);
    expect(cooled.health).toBe('failing');
    expect(cooled.cooldownLevel).toBe(1);
    expect(cooled.coolingUntil).not.toBeNull();
    expect(cooled.lastError).toMatch(/^proxy test: /);
    await checker.refresh();
    expect(checker.pool.liveLanes().map((l) => l.key)).toContain(String(id));
    expect(checker.pool.usableLanes().map((l) => l.key)).not.toContain(String(id));

    // The cooldown (400 ms +-20 %) runs out: the pool takes the proxy again.
    await sleep((cooled.coolingUntil?.getTime() ?? 0) - Date.now() + 50);
    await checker.refresh();
    expect(checker.pool.usableLanes().map((l) => l.key)).toContain(String(id));

    proxy.failConnect = false;
    const passed = await testProxies(h.deps, optionsOf(h), id);
    expect(passed.results[0]).toMatchObject({ id, status: 'reachable', health: 'ok', coolingUntil: null });
    const cleared = await row(h, id);
    expect(cleared).toMatchObject({ health: 'ok', coolingUntil: null, cooldownLevel: 0 });
  });

  it('GIVEN three failed tests in a row THEN the proxy is dead, and retestDeadProxies (zero backoff) retests it and a working proxy comes back ok', async () => {
    h = await createHarness({ proxyCount: 2 });
    const checker = await h.startChecker();
    const [id, other] = h.proxyIds as [number, number];
    const proxy = h.proxies[0] as ConnectProxy;
    proxy.failConnect = true;
    const healths: string[] = [];
    for (let i = 0; i < 3; i++) {
      const report = await testProxies(h.deps, optionsOf(h), id);
      healths.push(report.results[0]?.health ?? '');
    }
    expect(healths).toEqual(['failing', 'failing', 'dead']);
    expect(await row(h, id)).toMatchObject({ health: 'dead', cooldownLevel: 3 });
    await checker.refresh();
    expect(checker.pool.liveLanes().map((l) => l.key)).not.toContain(String(id));

    // Just tested: with the default backoff (5 min) nothing is due yet.
    expect((await retestDeadProxies(h.deps, optionsOf(h))).results).toEqual([]);
    // Still broken: retested, stays dead, its backoff doubles (one more failure in a row).
    const still = await retestDeadProxies(h.deps, optionsOf(h, { retestBaseMs: 0 }));
    expect(still.results.map((r) => [r.id, r.status, r.health])).toEqual([[id, 'unreachable', 'dead']]);
    expect((await row(h, id)).cooldownLevel).toBe(4);

    proxy.failConnect = false;
    const connectsBefore = proxy.connects;
    const back = await retestDeadProxies(h.deps, optionsOf(h, { retestBaseMs: 0 }));
    expect(back.results.map((r) => [r.id, r.status, r.health])).toEqual([[id, 'reachable', 'ok']]);
    expect(proxy.connects).toBe(connectsBefore + 1);
    expect(await row(h, id)).toMatchObject({ health: 'ok', coolingUntil: null, cooldownLevel: 0 });
    // The healthy proxy was never dead, so the retest never touched it.
    expect((await row(h, other)).lastTestedAt).toBeNull();
    await checker.refresh();
    expect(checker.pool.liveLanes().map((l) => l.key)).toContain(String(id));
  });

  it('GIVEN 10 proxies THEN the test never has more than 4 requests open at once, and sends one request per proxy', async () => {
    h = await createHarness({ proxyCount: 10, fake: { latencyMs: 150 } });
    const report = await testProxies(h.deps, optionsOf(h));
    expect(report.results.map((r) => r.status)).toEqual(Array(10).fill('reachable'));
    expect(report.results.map((r) => r.id)).toEqual(h.proxyIds);
    expect(h.fake.maxConcurrent).toBeLessThanOrEqual(4);
    expect(h.fake.maxConcurrent).toBeGreaterThan(1);
    expect(h.proxies.map((p) => p.connects)).toEqual(Array(10).fill(1));
    expect(h.fake.requests).toHaveLength(10);
  });

  it('GIVEN a proxy whose budget is used up THEN a second proxy test right after skips it instead of sending', async () => {
    h = await createHarness({ proxyCount: 1 });
    const [id] = h.proxyIds as [number];
    const budget = budgetOf(h, 1);
    const first = await testProxies(h.deps, optionsOf(h, { budget }));
    expect(first.results.map((r) => r.status)).toEqual(['reachable']);
    const second = await testProxies(h.deps, optionsOf(h, { budget }));
    expect(second.budget).toBe('used');
    expect(second.results[0]).toMatchObject({ id, status: 'skipped', health: 'ok' });
    expect(second.results[0]?.detail).toMatch(/^budget used, next slot in (\d+ min )?\d+ s$/);
    expect(second.results[0]?.nextSlotInMs).toBeGreaterThan(30_000);
    expect((h.proxies[0] as ConnectProxy).connects).toBe(1);
    expect(h.fake.requests).toHaveLength(1);
    const text = renderPlain(renderProxyTest(second));
    expect(text).toMatch(
      /Tested 0 proxies .*from this machine \(host [^)]+\).*1 skipped \(request budget used\)/,
    );
    expect(text).toMatch(/skipped .*budget used, next slot in (\d+ min )?\d+ s/);
  });

  it('GIVEN Redis unreachable THEN the test goes out after 2 s without the budget, still capped, and says so', async () => {
    h = await createHarness({ proxyCount: 2 });
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: null });
    down.on('error', () => {});
    try {
      const started = Date.now();
      const report = await testProxies(
        h.deps,
        optionsOf(h, {
          budget: lazyProxyBudget(() => down, { QUEUE_PREFIX: h.prefix, PROXY_REQUESTS_PER_MINUTE: 1 }),
        }),
      );
      const took = Date.now() - started;
      expect(report.budget).toBe('unavailable');
      expect(report.results.map((r) => r.status)).toEqual(['reachable', 'reachable']);
      expect(took).toBeGreaterThanOrEqual(1_900);
      expect(took).toBeLessThan(6_000);
      expect(renderPlain(renderProxyTest(report))).toMatch(/Redis did not answer/);
    } finally {
      down.disconnect();
    }
  });
});
