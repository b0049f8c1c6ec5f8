import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNiche } from '../../src/core/niches.js';
import { statsHistory } from '../../src/core/stats-history.js';
import { storiesTodayByNiche } from '../../src/core/stories-today.js';
import { createTestDeps, ManualClock, type TestDeps } from '../helpers/deps.js';

// 08:00 UTC on 15 June is 10:00 in Berlin (UTC+2); local days start at 22:00 UTC the evening before.
const NOW = new Date('2026-06-15T08:00:00Z');
const ZONE = 'Europe/Berlin';

let deps: TestDeps;
let alpha: number;
let beta: number;
let quiet: number;

/** A finished batch of `niche` whose items were checked at `at` with these outcomes. */
async function batchAt(niche: number, at: string, items: Record<string, string>): Promise<void> {
  const [b] = await deps.sql<Array<{ id: number }>>`
    insert into batches (niche_id, niche_name, trigger, requested, status, started_at, finished_at)
    values (${niche}, 'n', 'manual', ${Object.keys(items).length}, 'completed', ${at}, ${at}) returning id`;
  for (const [username, outcome] of Object.entries(items)) {
    await deps.sql`
      insert into batch_items (batch_id, username, outcome, attempts, checked_at)
      values (${b!.id}, ${username}, ${outcome}, 1, ${at})`;
  }
}

beforeAll(async () => {
  deps = await createTestDeps({ clock: new ManualClock(NOW) });
  alpha = (await createNiche(deps, 'alpha')).id;
  beta = (await createNiche(deps, 'beta')).id;
  quiet = (await createNiche(deps, 'quiet')).id;
  await deps.sql`update niches set daily_target = 5 where id = ${alpha}`;
  await deps.sql`
    insert into profiles (username, niche_id) values
      ('a1', ${alpha}), ('a2', ${alpha}), ('a3', ${alpha}), ('b1', ${beta}), ('b2', ${beta})`;
  const seen = (username: string, niche: number, at: string) =>
    deps.sql`insert into detections (username, niche_id, detected_at) values (${username}, ${niche}, ${at})`;
  await seen('a1', alpha, '2026-06-14T21:55:00Z'); // 23:55 on the 14th in Berlin
  await seen('a1', alpha, '2026-06-14T22:05:00Z'); // 00:05 on the 15th in Berlin
  await seen('a2', alpha, '2026-06-15T07:00:00Z');
  await seen('a2', alpha, '2026-06-15T07:30:00Z'); // the same story again: once a day
  // Three days ago, long purged from detections: only the batch items remember it.
  await batchAt(alpha, '2026-06-12T10:00:00Z', { a1: 'story', a2: 'story', a3: 'no_story' });
  await batchAt(beta, '2026-06-12T10:00:00Z', { b1: 'story', b2: 'transient' });
  // Outside the seven days (Berlin's 8 June): not counted.
  await batchAt(beta, '2026-06-08T12:00:00Z', { b1: 'story' });
});
afterAll(async () => {
  await deps.close();
});

describe('stories per niche per day over the last 7 days', () => {
  it('GIVEN detections at 23:55 and 00:05 local time THEN they land on two days, each profile once a day', async () => {
    const h = await statsHistory(deps, { timeZone: ZONE, now: NOW });
    expect(h.days).toEqual([
      '2026-06-09',
      '2026-06-10',
      '2026-06-11',
      '2026-06-12',
      '2026-06-13',
      '2026-06-14',
      '2026-06-15',
    ]);
    const alphaRow = h.niches.find((n) => n.niche === 'alpha');
    expect(alphaRow?.stories).toEqual([0, 0, 0, 2, 0, 1, 2]);
    expect(alphaRow?.target).toBe(5);
    // Today agrees with the count stats and the auto-trigger use.
    const today = await storiesTodayByNiche(deps, { timeZone: ZONE, now: NOW });
    expect(today.find((r) => r.nicheId === alpha)?.count).toBe(alphaRow?.stories[6]);
  });

  it('GIVEN a niche with no detections THEN it is listed with zeros on every day and no hit rate', async () => {
    const h = await statsHistory(deps, { timeZone: ZONE, now: NOW });
    expect(h.niches.map((n) => n.niche)).toEqual(['alpha', 'beta', 'quiet']);
    expect(h.niches.find((n) => n.nicheId === quiet)).toMatchObject({
      stories: [0, 0, 0, 0, 0, 0, 0],
      checks: 0,
      hitRate: null,
      target: 0,
    });
  });

  it('GIVEN failed checks THEN the hit rate is stories per answered check, failures left out', async () => {
    const h = await statsHistory(deps, { timeZone: ZONE, now: NOW });
    // alpha: 5 stories (2 + 1 + 2) over 3 answered checks of its one batch in the period.
    expect(h.niches.find((n) => n.nicheId === alpha)).toMatchObject({ checks: 3, hitRate: 5 / 3 });
    // beta: b1 found; b2's transient failure is no answer; the batch of the 8th is outside.
    expect(h.niches.find((n) => n.nicheId === beta)).toMatchObject({
      stories: [0, 0, 0, 1, 0, 0, 0],
      checks: 1,
      hitRate: 1,
    });
  });

  it('GIVEN the daily digest ends the period just before midnight THEN the last day is yesterday and the result is plain JSON', async () => {
    const midnight = new Date('2026-06-15T22:00:00Z'); // 00:00 on the 16th in Berlin
    const h = await statsHistory(deps, { timeZone: ZONE, now: new Date(midnight.getTime() - 1) });
    expect(h.days.at(-1)).toBe('2026-06-15');
    expect(h.from).toBe('2026-06-08T22:00:00.000Z');
    expect(JSON.parse(JSON.stringify(h))).toEqual(h);
  });
});
