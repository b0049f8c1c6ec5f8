import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planAutoBatches } from '../../src/core/auto-trigger.js';
import { createNiche } from '../../src/core/niches.js';
import { nextAutoSlot } from '../../src/worker/scheduler.js';
import { consoleRunner } from '../helpers/console.js';
import { createTestDeps, ManualClock, type TestDeps } from '../helpers/deps.js';
import { deleteRedisPrefix } from '../helpers/redis.js';

// 12:37 UTC in December is 13:37 in Berlin; the operator's day began at 23:00 UTC the evening before.
const NOW = new Date('2026-12-06T12:37:00Z');
const ZONE = 'Europe/Berlin';
const HOUR = 3_600_000;

let deps: TestDeps;
let redis: Redis;
const prefix = `sw-test-target-${randomBytes(4).toString('hex')}`;

const storywatch = consoleRunner(() => ({
  core: deps,
  services: {
    timeZone: ZONE,
    nextAutoBatch: () => nextAutoSlot(redis, prefix, deps.clock.now()),
  },
}));

beforeAll(async () => {
  deps = await createTestDeps({ clock: new ManualClock(NOW), max: 2 });
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
  const fitness = (await createNiche(deps, 'fitness')).id;
  const food = (await createNiche(deps, 'food')).id;
  await createNiche(deps, 'travel & vanlife');
  await deps.sql`update niches set daily_target = 50 where id = ${fitness}`;
  await deps.sql`update niches set daily_target = 2 where id = ${food}`;
  await deps.sql`
    insert into profiles (username, niche_id) values
      ('f1', ${fitness}), ('f2', ${fitness}), ('f3', ${fitness}), ('f4', ${fitness}), ('g1', ${food}), ('g2', ${food})`;
  const seen = (username: string, niche: number, at: string) =>
    deps.sql`insert into detections (username, niche_id, detected_at) values (${username}, ${niche}, ${at})`;
  await seen('f1', fitness, '2026-12-05T22:55:00Z'); // 23:55 in Berlin: yesterday
  await seen('f2', fitness, '2026-12-05T23:05:00Z'); // 00:05 in Berlin: today
  await seen('f3', fitness, '2026-12-06T09:00:00Z');
  await seen('f3', fitness, '2026-12-06T11:00:00Z'); // the same profile again counts once
  await seen('f4', fitness, '2026-12-06T12:00:00Z');
  await seen('g1', food, '2026-12-06T10:00:00Z');
  await seen('g2', food, '2026-12-06T11:00:00Z'); // food has met its target of 2
});
afterAll(async () => {
  redis.disconnect();
  await deleteRedisPrefix(prefix);
  await deps.close();
});

describe('console: target list shows today against the target and the next automatic batch', () => {
  it('GIVEN this hour’s moment is 13:00 UTC THEN 14:00 Europe/Berlin (in 23 min), for the niche still short', async () => {
    const period = Math.floor(NOW.getTime() / HOUR);
    // The scheduler stores the moment as milliseconds into the hour: 13:00 UTC is 23 minutes ahead.
    await redis.set(
      `${prefix}:sched:slot:${period}`,
      String(new Date('2026-12-06T13:00:00Z').getTime() - period * HOUR),
    );
    const r = await storywatch('target', 'list');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Daily story targets and stories today (since midnight Europe/Berlin)');
    expect(r.out).toMatch(/fitness +50 +3\/50/);
    expect(r.out).toMatch(/food +2 +2\/2/);
    expect(r.out).toMatch(/travel & vanlife +0 \(off\) +0/);
    expect(r.out).toContain(
      'Next automatic batch: 14:00 Europe/Berlin (in 23 min), for fitness (47 left today).',
    );
    // "left today" is what the auto-trigger itself plans to find.
    const plans = await planAutoBatches(deps, ZONE);
    expect(plans.map((p) => [p.niche, p.missing])).toEqual([['fitness', 47]]);
  });

  it('GIVEN this hour’s run is done THEN the next hour, in local time, at a random minute', async () => {
    const period = Math.floor(NOW.getTime() / HOUR);
    await redis.set(`${prefix}:sched:fired:${period}`, '1');
    const r = await storywatch('target', 'list');
    expect(r.out).toContain(
      'Next automatic batch: between 14:00 and 15:00 Europe/Berlin (at a random minute, in 23 min at the earliest), for fitness (47 left today).',
    );
    const json = await storywatch('target', 'list', '--json');
    expect(JSON.parse(json.out)).toMatchObject({
      timeZone: ZONE,
      targets: [
        { niche: 'fitness', dailyTarget: 50, today: 3 },
        { niche: 'food', dailyTarget: 2, today: 2 },
        { niche: 'travel & vanlife', dailyTarget: 0, today: 0 },
      ],
      behind: [{ niche: 'fitness', left: 47 }],
      nextAutoBatch: { kind: 'next-hour', from: '2026-12-06T13:00:00.000Z' },
    });
  });

  it('GIVEN every niche with a target has reached it THEN no batch is announced', async () => {
    await deps.sql`update niches set daily_target = 3 where name = 'fitness'`;
    const r = await storywatch('target', 'list');
    expect(r.out).toMatch(/fitness +3 +3\/3/);
    expect(r.out).toContain('No automatic batch needed: every niche with a target has reached it today.');
    await deps.sql`update niches set daily_target = 0`;
    const off = await storywatch('target', 'list');
    expect(off.out).toContain(
      'No automatic batches: every daily target is 0. Set one with `storywatch target set NAME COUNT`.',
    );
  });
});
