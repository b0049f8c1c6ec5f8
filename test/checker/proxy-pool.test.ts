import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckTarget } from '../../src/checker/types.js';
import { CONCLUSIVE_OUTCOMES } from '../../src/checker/types.js';
import { events, proxies } from '../../src/core/db/schema/index.js';
import { removeProxy } from '../../src/core/proxies/index.js';
import { generateUsers } from '../fakes/fake-instagram.js';
import { createHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const users = generateUsers(60);
const targets = (from: number, n: number): CheckTarget[] =>
  users.slice(from, from + n).map((u) => ({ username: u.username, igUserId: u.id }));

/** The most requests any client IP made within any `windowMs` span (minus arrival jitter). */
function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (let i = 0; i < times.length; i++) {
    const start = times[i] ?? 0;
    max = Math.max(max, times.filter((t) => t >= start && t < start + windowMs).length);
  }
  return max;
}

async function runConcurrently(
  run: (t: CheckTarget) => Promise<unknown>,
  list: CheckTarget[],
  threads: number,
) {
  const queue = [...list];
  await Promise.all(
    Array.from({ length: threads }, async () => {
      for (let t = queue.shift(); t; t = queue.shift()) await run(t);
    }),
  );
}

describe('proxy pool', () => {
  it('GIVEN a budget of 3 requests per 2 s per proxy and two worker processes THEN no proxy IP ever exceeds it', async () => {
    h = await createHarness({ proxyCount: 2, fake: { users } });
    const opts = { requestsPerMinute: 3, budgetWindowMs: 2_000 };
    // Two checkers on one Redis prefix behave like two worker processes.
    const a = await h.startChecker(opts);
    const b = await h.startChecker(opts);
    const list = targets(0, 16);
    const results: string[] = [];
    await Promise.all([
      runConcurrently(
        async (t) => results.push(...(await a.check([t])).map((r) => r.outcome)),
        list.slice(0, 12),
        4,
      ),
      runConcurrently(
        async (t) => results.push(...(await b.check([t])).map((r) => r.outcome)),
        list.slice(12),
        4,
      ),
    ]);
    expect(results).toHaveLength(16);
    expect(results.every((o) => CONCLUSIVE_OUTCOMES.has(o as never))).toBe(true);
    const perIp = Object.entries(h.fake.timelineByIp).map(([ip, times]) => [
      ip,
      times.length,
      maxInWindow(times, 950),
    ]);
    console.log('requests per IP, most in any 1.8 s window (2 s budget window less arrival jitter):', perIp);
    for (const [, , most] of perIp) expect(most).toBeLessThanOrEqual(3);
    expect(perIp.map((p) => p[1]).reduce((x, y) => Number(x) + Number(y), 0)).toBe(16);
  });

  it('GIVEN three proxies and checks one after another THEN each goes to the proxy that has waited longest', async () => {
    h = await createHarness({ proxyCount: 3, fake: { users } });
    // Exact spacing, so "waited longest" is a strict rotation (the jitter is covered in rate-budget.test.ts).
    const c = await h.startChecker({ budgetJitter: 0 });
    for (const t of targets(0, 9)) await c.check([t]);
    const ips = h.fake.requests.map((r) => r.ip);
    console.log('rotation:', ips.join(' '));
    expect(new Set(ips.slice(0, 3)).size).toBe(3);
    for (let i = 3; i < ips.length; i++) expect(ips[i]).toBe(ips[i - 3]);
    expect(Object.values(h.fake.requestsByIp)).toEqual([3, 3, 3]);
  });

  it('GIVEN a 429 on one proxy THEN it cools down, the profile is requeued on another, and the cooling proxy gets nothing more', async () => {
    h = await createHarness({ proxyCount: 2, fake: { users } });
    const limitedIp = h.ipOf(0);
    h.fake.misbehave({ answer: 'rate_limit_429', ip: limitedIp, times: 1 });
    const c = await h.startChecker({ cooldownBaseMs: 60_000 });
    const results = [];
    for (const t of targets(0, 6)) results.push(...(await c.check([t])));
    expect(results.map((r) => r.outcome).every((o) => CONCLUSIVE_OUTCOMES.has(o))).toBe(true);
    expect(results[0]?.attempts).toBe(2);
    expect(results[0]?.proxyId).toBe(h.proxyIds[1]);
    expect(h.fake.requestsByIp).toEqual({ [limitedIp]: 1, [h.ipOf(1)]: 6 });
    const [row] = await h.deps.db.select().from(proxies).where(eq(proxies.id, h.proxyIds[0]!));
    expect(row?.coolingUntil?.getTime()).toBeGreaterThan(Date.now() + 30_000);
    const logged = await h.deps.db.select().from(events).where(eq(events.kind, 'proxy'));
    expect(logged.some((e) => /cooling down/.test(e.message))).toBe(true);
  });

  it('GIVEN a cooldown that ends THEN the proxy is used again and a success resets the backoff step', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users } });
    h.fake.misbehave({ answer: 'rate_limit_429', times: 1 });
    const c = await h.startChecker({ cooldownBaseMs: 300 });
    const [r] = await c.check(targets(0, 1));
    // The only proxy cooled down about 300 ms and the retry waited for it.
    expect(r).toMatchObject({ outcome: expect.stringMatching(/story|no_story/), attempts: 2 });
    const times = h.fake.timelineByIp[h.ipOf(0)] ?? [];
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(200);
    await c.health.flush();
    const [row] = await h.deps.db.select().from(proxies);
    expect(row?.cooldownLevel).toBe(0);
  });

  it('GIVEN a proxy removed while requests run through it THEN they finish and it gets no new request', async () => {
    h = await createHarness({ proxyCount: 2, fake: { users, latencyMs: 300 } });
    const c = await h.startChecker();
    const removedIp = h.ipOf(0);
    const all: Promise<unknown>[] = [];
    const results: Array<{ outcome: string; proxyId?: number | null }> = [];
    for (let i = 0; i < 4; i++) all.push(c.check(targets(i * 5, 5)).then((r) => results.push(...r)));
    await new Promise((r) => setTimeout(r, 450));
    const inFlightBefore = h.fake.requests.filter((r) => r.ip === removedIp && r.status === 0).length;
    await removeProxy(h.deps, String(h.proxyIds[0]));
    const removedAt = Date.now();
    await Promise.all(all);
    const late = h.fake.requests.filter((r) => r.ip === removedIp && r.at > removedAt + 50);
    console.log(
      `in flight on the removed proxy at removal: ${inFlightBefore}; requests after: ${late.length}; per IP ${JSON.stringify(h.fake.requestsByIp)}`,
    );
    expect(inFlightBefore).toBeGreaterThan(0);
    expect(late).toEqual([]);
    expect(results).toHaveLength(20);
    expect(results.every((r) => CONCLUSIVE_OUTCOMES.has(r.outcome as never))).toBe(true);
    // The in-flight ones finished with their answer through the removed proxy.
    expect(results.filter((r) => r.proxyId === h?.proxyIds[0]).length).toBeGreaterThanOrEqual(inFlightBefore);
  });

  it('GIVEN a proxy whose stored password cannot be decrypted THEN it is skipped, logged, and the others carry on', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users } });
    await h.deps.db
      .insert(proxies)
      .values({ host: '127.0.0.1', port: 9, username: 'x', passwordEnc: 'v1.AAAA.BBBB.CCCC' });
    const c = await h.startChecker();
    const [r] = await c.check(targets(0, 1));
    expect(r?.proxyId).toBe(h.proxyIds[0]);
    expect(h.deps.logs.text).toContain('proxy password cannot be decrypted; proxy skipped');
  });

  it('GIVEN batched health stats THEN successes, failures by outcome, latencies and the last error reach the proxy row', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users, latencyMs: 20 } });
    h.fake.misbehave({ answer: 'server_error', times: 2 });
    const c = await h.startChecker({ healthFlushMs: 60_000 });
    for (const t of targets(0, 5)) await c.check([t]);
    const [before] = await h.deps.db.select().from(proxies);
    expect(before?.successes).toBe(0);
    await c.health.flush();
    const [row] = await h.deps.db.select().from(proxies);
    expect(row).toMatchObject({
      successes: 5,
      failures: 2,
      failuresByOutcome: { transient: 2 },
      lastError: 'HTTP 500',
    });
    expect(row?.recentLatenciesMs).toHaveLength(7);
    expect(Math.min(...(row?.recentLatenciesMs ?? []))).toBeGreaterThanOrEqual(20);
  });
});

describe('cancellation', () => {
  it('GIVEN a check waiting for proxy budget WHEN the batch is cancelled THEN it returns at once as transient "cancelled" without a request', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users } });
    const c = await h.startChecker({ requestsPerMinute: 1 });
    await c.check(targets(0, 1));
    const controller = new AbortController();
    const pending = c.check(targets(1, 1), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    const [r] = await pending;
    expect(r).toMatchObject({ outcome: 'transient', detail: 'cancelled' });
    expect(h.fake.requests).toHaveLength(1);
  });
});

describe('Redis unavailable', () => {
  it('GIVEN the budget store cannot be reached THEN checks end as transient errors and nothing is sent to Instagram', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users } });
    const { Redis } = await import('ioredis');
    const dead = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    dead.on('error', () => {});
    const { createStoryChecker } = await import('../../src/checker/index.js');
    const c = await createStoryChecker({
      core: h.deps,
      redis: dead,
      options: {
        instagramUrl: h.fake.url,
        allowDirect: false,
        requestsPerMinute: 60,
        timeoutMs: 1000,
        keyPrefix: `${h.prefix}:checker`,
      },
    });
    h.checkers.push(c);
    const [r] = await c.check(targets(0, 1));
    expect(r).toMatchObject({
      outcome: 'transient',
      detail: 'request budget unavailable (Redis unreachable)',
    });
    expect(h.fake.requests).toHaveLength(0);
    dead.disconnect();
  });
});
