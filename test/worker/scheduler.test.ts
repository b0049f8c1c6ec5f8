import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { schedulerDeps } from '../../src/app/worker-deps.js';
import { type SchedulerHandle, startScheduler } from '../../src/worker/scheduler.js';
import { seedNiche, seedProxy } from '../helpers/batch-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestApp, deleteRedisPrefix, newPrefix, waitFor } from './support.js';

describe('scheduler', () => {
  let db: TestDatabase;
  let prefix: string;
  const apps: Array<AppContext & { logs: { lines: string[] } }> = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = newPrefix();
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await deleteRedisPrefix(prefix);
    await db.drop();
  });

  it('GIVEN three scheduler processes and 1.5 s "hours" THEN the auto-trigger fires once per period at a fresh moment each time, and expired detections are purged', async () => {
    await seedProxy(db.sql);
    const niche = await seedNiche(db.sql, 'Auto', 500, { dailyTarget: 800, prefix: 'auto_' });
    await db.sql`insert into detections (username, niche_id, detected_at) values ('auto_00001', ${niche}, now() - interval '25 hours')`;
    const periodMs = 1_500;
    const handles: SchedulerHandle[] = [];
    for (let i = 0; i < 3; i++) {
      const app = createTestApp(db.url, prefix);
      apps.push(app);
      handles.push(startScheduler(schedulerDeps(app), { periodMs, checkEveryMs: 50, purgeEveryMs: 200 }));
    }
    // Each fire creates an auto batch; closing it right away lets the next period create another.
    const fired: Array<{ period: number; offset: number }> = [];
    const started = Date.now();
    const collect = async () => {
      const rows = await db.sql<Array<{ id: number; created_at: Date }>>`
        update batches set status = 'cancelled', finished_at = now() where status = 'pending' returning id, created_at`;
      for (const r of rows) {
        const t = r.created_at.getTime();
        fired.push({ period: Math.floor(t / periodMs), offset: t % periodMs });
      }
    };
    while (Date.now() - started < periodMs * 6) {
      await collect();
      await new Promise((r) => setTimeout(r, 30));
    }
    await Promise.all(handles.map((h) => h.stop()));
    await collect(); // a fire between the last poll and the stop
    // The period each process claimed, from its own log: a batch's created_at can fall into the next period
    // when a fire late in a period is slowed down (a loaded machine), so the claims are what to count.
    const claimed = apps
      .flatMap((a) => a.logs.lines)
      .map((line) => JSON.parse(line) as { msg?: string; period?: number })
      .filter((l) => l.msg === 'auto-trigger ran')
      .map((l) => l.period);
    console.log(
      'scheduler fires (period, offset ms):',
      JSON.stringify(fired.map((f) => [f.period % 1000, f.offset])),
      'claimed periods:',
      JSON.stringify(claimed.map((p) => (p ?? 0) % 1000)),
    );
    // The planned moment is logged as a time a reader can use, not as milliseconds into the period.
    const planned = apps
      .flatMap((a) => a.logs.lines)
      .map((line) => JSON.parse(line) as { msg?: string; plannedAt?: string; atMs?: number })
      .filter((l) => l.msg === 'auto-trigger ran');
    expect(
      planned.every(
        (l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(l.plannedAt ?? '') && l.atMs === undefined,
      ),
    ).toBe(true);
    expect(new Set(claimed).size).toBe(claimed.length); // never twice in one period, across 3 processes
    expect(fired.length).toBe(claimed.length); // each fire created exactly one batch
    expect(claimed.length).toBeGreaterThanOrEqual(4);
    expect(new Set(fired.map((f) => Math.floor(f.offset / 50))).size).toBeGreaterThan(1); // not the same moment each time
    expect(handles.every((h) => h.lastTickAt() !== null)).toBe(true);
    await waitFor('purge', async () => {
      const [r] = await db.sql`select count(*)::int as n from detections`;
      return r!.n === 0;
    });
  });

  it('GIVEN the hourly route probe in three scheduler processes THEN it runs once a period, and a route that stops or starts answering is announced once', async () => {
    const periodMs = 1_000;
    const worked = { reel_query: true, web_profile_info: true };
    let runs = 0;
    const announced: string[] = [];
    const report = () => {
      runs++;
      return Promise.resolve({
        canary: 'canary',
        canaryId: '1',
        rows: [
          {
            route: 'reel_query' as const,
            step: 'story' as const,
            via: 'proxy #1',
            answer: worked.reel_query ? 'ok' : 'retired',
            latencyMs: 3,
            sample: 'HTTP 400 "execution error"',
          },
        ],
        routes: [
          { route: 'reel_query' as const, worked: worked.reel_query, status: 'active' as const, tried: 1 },
          {
            route: 'web_profile_info' as const,
            worked: worked.web_profile_info,
            status: 'active' as const,
            tried: 1,
          },
          { route: 'reels_media' as const, worked: false, status: 'active' as const, tried: 0 },
        ],
      });
    };
    const probePrefix = newPrefix();
    const handles: SchedulerHandle[] = [];
    for (let i = 0; i < 3; i++) {
      const app = createTestApp(db.url, probePrefix);
      apps.push(app);
      handles.push(
        startScheduler(schedulerDeps(app), {
          periodMs,
          checkEveryMs: 50,
          random: () => 0.99,
          routeProbe: { run: report, announce: async (a) => void announced.push(`${a.kind}:${a.route}`) },
        }),
      );
    }
    const periodNow = () => Math.floor(Date.now() / periodMs);
    const wait = async (until: number) => {
      while (periodNow() < until) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
    };
    const p0 = periodNow();
    await wait(p0 + 1);
    worked.reel_query = false;
    await wait(p0 + 3);
    worked.reel_query = true;
    await wait(p0 + 5);
    await Promise.all(handles.map((h) => h.stop()));
    await deleteRedisPrefix(probePrefix);
    console.log(`route probe: ${runs} runs over about 5 periods; announced: ${announced.join(', ')}`);
    expect(runs).toBeGreaterThanOrEqual(5);
    expect(runs).toBeLessThanOrEqual(7);
    expect(announced).toEqual(['route_suspended:reel_query', 'route_recovered:reel_query']);
  });
});
