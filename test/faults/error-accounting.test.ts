import { afterEach, describe, expect, it } from 'vitest';
import { proxies } from '../../src/core/db/schema/index.js';
import { getStats } from '../../src/core/stats.js';
import { createHarness, type Harness } from '../checker/harness.js';
import { run } from '../core/command-helpers.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let h: Harness | undefined;
let deps: TestDeps | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await deps?.close();
  deps = undefined;
});

describe('never lose #14.12: one error count, one classification, a proxy health that says what happened', () => {
  it('GIVEN a proxy that refuses every connection 12 times THEN its health says failing (not unknown) and every failure is proxy_failed, none rate_limited', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users: [{ username: 'bob', id: '102' }] } });
    await h.proxies[0]!.stop();
    const c = await h.startChecker({ maxRetries: 0, cooldownBaseMs: 1 });
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++)
      outcomes.push(...(await c.check([{ username: 'bob', igUserId: '102' }])).map((r) => r.outcome));
    await c.health.flush();
    const [row] = await h.deps.db.select().from(proxies);
    console.log(
      `12 refused connections: outcomes ${[...new Set(outcomes)].join(', ')}; health ${row?.health}; failures ${JSON.stringify(row?.failuresByOutcome)}`,
    );
    expect(row?.health).toBe('failing');
    expect(row?.failuresByOutcome).toEqual({ proxy_failed: row?.failures });
    expect(outcomes.filter((o) => o === 'rate_limited')).toEqual([]);
  });

  it('GIVEN a batch with answers and failed checks THEN the hit rate counts answers only and stats gives one error count', async () => {
    deps = await createTestDeps();
    const sql = deps.sql;
    await run(deps, 'niche add fitness');
    const [n] = await sql<Array<{ id: number }>>`select id from niches`;
    await sql`insert into profiles (username, niche_id) values ('a1', ${n!.id}), ('a2', ${n!.id}), ('a3', ${n!.id}), ('a4', ${n!.id})`;
    const [b] = await sql<Array<{ id: number }>>`
      insert into batches (niche_id, niche_name, trigger, requested, status, started_at, finished_at, checked, stories, errors)
      values (${n!.id}, 'fitness', 'manual', 4, 'completed', now(), now(), 4, 1, '{"proxy_failed": 2}') returning id`;
    await sql`insert into batch_items (batch_id, username, outcome, checked_at) values
      (${b!.id}, 'a1', 'story', now()), (${b!.id}, 'a2', 'no_story', now()),
      (${b!.id}, 'a3', 'proxy_failed', now()), (${b!.id}, 'a4', 'proxy_failed', now())`;
    await sql`insert into detections (username, niche_id, batch_id) values ('a1', ${n!.id}, ${b!.id})`;
    const s = await getStats(deps, { timeZone: 'UTC' });
    expect(s.niches[0]).toMatchObject({ checks: 2, stories: 1, hitRate: 0.5 });
    expect(s.errors).toMatchObject({ count: 2, checks: { proxy_failed: 2 }, service: 0 });
    const { text } = await run(deps, 'stats');
    console.log(text);
    expect(text).toMatch(/2 profiles answered, 1 stories, 2 checks failed/);
    expect(text).toMatch(/Errors \(24 h\): 2: 2 checks failed \(proxy_failed 2\), 0 service errors/);
  });
});
