import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planAutoBatches } from '../../src/core/auto-trigger.js';
import { digestContent } from '../../src/core/digest.js';
import { loadMetricsSnapshot } from '../../src/core/metrics-snapshot.js';
import { createNiche } from '../../src/core/niches.js';
import { getStats } from '../../src/core/stats.js';
import { storiesTodayByNiche } from '../../src/core/stories-today.js';
import { createTestDeps, ManualClock, type TestDeps } from '../helpers/deps.js';

// 08:00 UTC in June is 10:00 in Berlin; the operator's day began at 22:00 UTC the evening before.
const NOW = new Date('2026-06-15T08:00:00Z');
const ZONE = 'Europe/Berlin';

let deps: TestDeps;
let alpha: number;
let beta: number;

beforeAll(async () => {
  deps = await createTestDeps({ clock: new ManualClock(NOW) });
  alpha = (await createNiche(deps, 'alpha')).id;
  beta = (await createNiche(deps, 'beta')).id;
  await deps.sql`update niches set daily_target = 5`;
  await deps.sql`
    insert into profiles (username, niche_id) values
      ('a1', ${alpha}), ('a2', ${alpha}), ('a3', ${alpha}), ('a4', ${alpha}), ('moved', ${alpha}), ('b1', ${beta})`;
  const seen = (username: string, niche: number, at: string) =>
    deps.sql`insert into detections (username, niche_id, detected_at) values (${username}, ${niche}, ${at})`;
  await seen('a2', alpha, '2026-06-14T21:55:00Z'); // 23:55 in Berlin: yesterday there, today in UTC
  await seen('a1', alpha, '2026-06-14T22:05:00Z'); // 00:05 in Berlin: today
  await seen('moved', alpha, '2026-06-15T06:00:00Z'); // found by alpha's batch, then moved to beta
  await seen('a3', alpha, '2026-06-15T06:30:00Z');
  await seen('a3', alpha, '2026-06-15T07:40:00Z'); // the same story seen again by a later batch
  await seen('a4', alpha, '2026-06-15T07:45:00Z');
  await seen('b1', beta, '2026-06-15T07:30:00Z');
  await deps.sql`update profiles set niche_id = ${beta} where username = 'moved'`;
});
afterAll(async () => {
  await deps.close();
});

describe('profiles with a story today, per niche', () => {
  it('GIVEN detections around local midnight, a re-check and a profile moved after its story THEN the count is per detection niche over the local day, each profile once', async () => {
    const rows = await storiesTodayByNiche(deps, { timeZone: ZONE, now: NOW });
    const byName = Object.fromEntries(rows.map((r) => [r.niche, r.count]));
    // alpha: a1 (00:05 in Berlin), moved, a3 (twice), a4; not a2 (23:55 in Berlin). beta: b1 only,
    // not the moved profile.
    expect(byName).toEqual({ alpha: 4, beta: 1 });
    // The day follows the zone: in UTC both sightings of the evening before are yesterday.
    const utc = await storiesTodayByNiche(deps, { timeZone: 'UTC', now: NOW });
    expect(utc.find((r) => r.nicheId === alpha)?.count).toBe(3);
  });

  it('GIVEN the same data THEN the auto-trigger, stats, /metrics and the digest report the same count', async () => {
    const plans = await planAutoBatches(deps, ZONE);
    expect(plans.map((p) => [p.niche, p.today, p.missing])).toEqual([
      ['alpha', 4, 1],
      ['beta', 1, 4],
    ]);

    const stats = await getStats(deps, { timeZone: ZONE });
    expect(stats.day.since).toEqual(new Date('2026-06-14T22:00:00Z'));
    expect(stats.niches.map((n) => [n.niche, n.stories])).toEqual([
      ['alpha', 4],
      ['beta', 1],
    ]);

    const snapshot = await loadMetricsSnapshot(deps, { timeZone: ZONE, now: NOW });
    expect(Object.fromEntries(snapshot.storiesToday.map((r) => [r.niche, r.count]))).toEqual({
      alpha: 4,
      beta: 1,
    });

    const digest = await digestContent(deps, {
      from: new Date('2026-06-15T07:00:00Z'),
      to: NOW,
      timeZone: ZONE,
    });
    // The digest's usernames answer another question (new in this hour, under the profile's niche
    // now); its per-niche "today" is the one count.
    expect(digest.map((n) => [n.nicheName, n.usernames, n.today, n.target])).toEqual([
      ['alpha', ['a4'], 4, 5],
      ['beta', ['b1'], 1, 5],
    ]);
  });
});
