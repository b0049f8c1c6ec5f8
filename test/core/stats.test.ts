import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNiche, removeNiche } from '../../src/core/niches.js';
import { getStats } from '../../src/core/stats.js';
import { createTestDeps, ManualClock, type TestDeps } from '../helpers/deps.js';

const T = new Date('2026-11-20T12:00:00Z');
const ago = (minutes: number) => new Date(T.getTime() - minutes * 60_000);

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps({ clock: new ManualClock(T) });
  const fit = (await createNiche(deps, 'fitness')).id;
  const food = (await createNiche(deps, 'food')).id;
  const gone = (await createNiche(deps, 'gone')).id;
  await deps.sql`
    insert into profiles (username, niche_id) values
      ('p1', ${fit}), ('p2', ${fit}), ('p3', ${fit}), ('p4', ${fit}), ('q1', ${food}), ('g1', ${gone}), ('g2', ${gone})`;
  await deps.sql`update profiles set status = 'deleted' where username = 'p4'`;
  const batch = async (
    niche: number,
    name: string,
    status: string,
    created: Date,
    finished: Date | null,
    checked: number,
    stories: number,
    errors: Record<string, number>,
  ) => {
    const [row] = await deps.sql<{ id: string }[]>`
      insert into batches (niche_id, niche_name, trigger, requested, status, created_at, finished_at, checked, stories, errors)
      values (${niche}, ${name}, 'manual', 4, ${status}::batch_status, ${created}, ${finished}, ${checked}, ${stories}, ${deps.sql.json(errors)})
      returning id`;
    return Number(row?.id);
  };
  const item = (b: number, username: string, outcome: string | null, at: Date | null) =>
    deps.sql`insert into batch_items (batch_id, username, outcome, checked_at) values (${b}, ${username}, ${outcome}, ${at})`;
  // Yesterday's batch: outside the window.
  const b0 = await batch(fit, 'fitness', 'completed', ago(30 * 60), ago(29 * 60), 1, 0, {});
  await item(b0, 'p1', 'no_story', ago(29 * 60));
  const b1 = await batch(fit, 'fitness', 'completed', ago(120), ago(60), 3, 1, { rate_limited: 2 });
  await item(b1, 'p1', 'no_story', ago(90));
  await item(b1, 'p2', 'no_story', ago(80));
  await item(b1, 'p3', 'story', ago(70));
  await item(b1, 'p4', null, null);
  const b2 = await batch(food, 'food', 'in_progress', ago(10), null, 1, 1, { transient: 1 });
  await item(b2, 'q1', 'story', ago(5));
  const b3 = await batch(gone, 'gone', 'completed', ago(240), ago(180), 2, 0, { rate_limited: 1 });
  await item(b3, 'g1', 'no_story', ago(200));
  await item(b3, 'g2', 'private', ago(190));
  await removeNiche(deps, 'gone');
  await deps.sql`
    insert into detections (username, niche_id, batch_id, detected_at) values
      ('p3', ${fit}, ${b1}, ${ago(70)}), ('p1', ${fit}, ${b0}, ${ago(29 * 60)}), ('q1', ${food}, ${b2}, ${ago(5)})`;
  await deps.sql`
    insert into events (at, kind, level, message) values
      (${ago(60)}, 'import', 'info', 'Imported 10 into fitness'),
      (${ago(30 * 60)}, 'import', 'info', 'Imported 5 into food'),
      (${ago(120)}, 'batch', 'error', 'Batch #2 failed: boom'),
      (${ago(26 * 60)}, 'proxy', 'error', 'old error')`;
  await deps.sql`
    insert into proxies (host, port, health, successes, failures, failures_by_outcome, enabled) values
      ('10.0.0.1', 8080, 'ok', 90, 10, ${deps.sql.json({ rate_limited: 7, transient: 3 })}, true),
      ('10.0.0.2', 8080, 'dead', 0, 4, ${deps.sql.json({ transient: 4 })}, false),
      ('10.0.0.3', 3128, 'ok', 10, 0, '{}', true)`;
});
afterAll(async () => {
  await deps.close();
});

describe('stats', () => {
  it('GIVEN checks and stories inside and outside the last 24 h THEN per niche counts and hit rates cover only the window', async () => {
    const s = await getStats(deps, { timeZone: 'UTC' });
    expect(s.since).toEqual(ago(24 * 60));
    expect(s.niches).toEqual([
      { nicheId: expect.any(Number), niche: 'fitness', checks: 3, stories: 1, hitRate: 1 / 3 },
      { nicheId: expect.any(Number), niche: 'food', checks: 1, stories: 1, hitRate: 1 },
      { nicheId: null, niche: '(no niche)', checks: 2, stories: 0, hitRate: 0 },
    ]);
    expect(s.totals).toEqual({ checks: 6, stories: 2, hitRate: 2 / 6 });
    expect(s.profiles).toEqual({ active: 6, deleted: 1, unassigned: 2 });
  });

  it('GIVEN batches of today, yesterday and one running THEN batch totals count today and the running one', async () => {
    const s = await getStats(deps, { timeZone: 'UTC' });
    expect(s.batches).toEqual({
      byStatus: { completed: 2, in_progress: 1 },
      active: 1,
      checked: 6,
      stories: 2,
      errors: { rate_limited: 3, transient: 1 },
    });
  });

  it('GIVEN imports and errors THEN the 24 h counts and the most recent ones are reported', async () => {
    const s = await getStats(deps, { timeZone: 'UTC' });
    // The niche events written by createNiche/removeNiche are not imports or errors.
    expect(s.imports.count).toBe(1);
    expect(s.imports.recent.map((e) => e.message)).toEqual([
      'Imported 10 into fitness',
      'Imported 5 into food',
    ]);
    // One count: the 4 failed checks of the batches above and the 1 service error.
    expect(s.errors).toMatchObject({ count: 5, service: 1, checks: { rate_limited: 3, transient: 1 } });
    expect(s.errors.recent.map((e) => [e.kind, e.message])).toEqual([
      ['batch', 'Batch #2 failed: boom'],
      ['proxy', 'old error'],
    ]);
  });

  it('GIVEN proxies with successes and failures THEN health and request totals are summed', async () => {
    const { proxies } = await getStats(deps, { timeZone: 'UTC' });
    expect(proxies).toMatchObject({
      total: 3,
      enabled: 2,
      byHealth: { ok: 2, disabled: 1 },
      successes: 100,
      failures: 14,
    });
    expect(proxies.list[0]).toEqual({
      id: expect.any(Number),
      address: '10.0.0.1:8080',
      enabled: true,
      health: 'ok',
      successes: 90,
      failures: 10,
      failuresByOutcome: { rate_limited: 7, transient: 3 },
    });
  });
});
