import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planAutoBatches, runAutoTrigger, sizeAutoBatch } from '../../src/core/auto-trigger.js';
import { seedNiche, seedProxy, setSettings } from '../helpers/batch-fixtures.js';
import { createTestDeps, ManualClock, type TestDeps } from '../helpers/deps.js';

describe('auto-trigger', () => {
  it('GIVEN missing stories and a story rate THEN the size covers them, bounded by the hourly rate cap and the niche size', () => {
    expect(sizeAutoBatch({ missing: 10, rate: 0.2, activeProfiles: 1000, profilesPerMinute: 60 })).toBe(50);
    expect(sizeAutoBatch({ missing: 100, rate: 0.05, activeProfiles: 5000, profilesPerMinute: 10 })).toBe(
      600,
    );
    expect(sizeAutoBatch({ missing: 100, rate: 0.05, activeProfiles: 300, profilesPerMinute: 60 })).toBe(300);
    expect(sizeAutoBatch({ missing: 0, rate: 0.5, activeProfiles: 300, profilesPerMinute: 60 })).toBe(0);
  });

  describe('planning on real data', () => {
    let d: TestDeps;
    // 00:30 in Berlin is still the previous day in UTC (23:30): "today" must follow the zone.
    const clock = new ManualClock(new Date('2026-03-10T23:30:00Z'));
    beforeAll(async () => {
      d = await createTestDeps({ clock });
      await seedProxy(d.sql);
      await setSettings(d.sql, { profilesPerMinute: 60 });
      const hot = await seedNiche(d.sql, 'Hot', 400, { dailyTarget: 20, prefix: 'hot_' });
      await seedNiche(d.sql, 'Off', 50, { dailyTarget: 0, prefix: 'off_' });
      const met = await seedNiche(d.sql, 'Met', 50, { dailyTarget: 2, prefix: 'met_' });
      await seedNiche(d.sql, 'Fresh', 30, { dailyTarget: 5, prefix: 'frs_' });
      // Hot's own history: 100 stories in 400 checks -> rate ~ 0.25.
      await d.sql`update profiles set total_checks = 1, total_detected = case when substr(username, 5)::int % 4 = 0 then 1 else 0 end
                  where niche_id = ${hot}`;
      // Hot: 4 stories at 23:00 UTC (= 00:00 Berlin, today there) and 5 before midnight Berlin (yesterday).
      for (let i = 0; i < 4; i++)
        await d.sql`insert into detections (username, niche_id, detected_at) values (${`hot_0000${i}`}, ${hot}, '2026-03-10T23:05:00Z')`;
      for (let i = 4; i < 9; i++)
        await d.sql`insert into detections (username, niche_id, detected_at) values (${`hot_0000${i}`}, ${hot}, '2026-03-10T22:30:00Z')`;
      for (let i = 0; i < 2; i++)
        await d.sql`insert into detections (username, niche_id, detected_at) values (${`met_0000${i}`}, ${met}, '2026-03-10T23:10:00Z')`;
      // A later batch re-checked those 4 and saw the same stories again: still 4 profiles with a story today.
      for (let i = 0; i < 4; i++)
        await d.sql`insert into detections (username, niche_id, detected_at) values (${`hot_0000${i}`}, ${hot}, '2026-03-10T23:20:00Z')`;
    });
    afterAll(async () => {
      await d.close();
    });

    it('GIVEN targets, today in Europe/Berlin, stories seen twice and each niche own rate THEN only the niches below target are planned, sized from their rate', async () => {
      const plans = await planAutoBatches(d, 'Europe/Berlin');
      console.log(
        'auto plans:',
        JSON.stringify(plans.map((p) => [p.niche, p.today, p.missing, p.rate.toFixed(3), p.size])),
      );
      expect(plans.map((p) => p.niche)).toEqual(['Hot', 'Fresh']);
      const hot = plans[0]!;
      expect([hot.today, hot.missing]).toEqual([4, 16]);
      // rate = (100 + 1) / (400 + 10) ~ 0.246 -> ceil(16 / 0.246) = 65
      expect(hot.size).toBe(65);
      // A niche with no history uses the prior (0.1): 5 missing -> 50, bounded by its 30 profiles.
      expect(plans[1]!.size).toBe(30);
      // In UTC the 22:30 sightings count as today too.
      const utc = await planAutoBatches(d, 'UTC');
      expect(utc.find((p) => p.niche === 'Hot')!.today).toBe(9);
    });

    it('GIVEN the trigger runs THEN auto batches are created and enqueued once; a second run finds them active and adds none', async () => {
      const enqueued: number[] = [];
      const first = await runAutoTrigger(d, {
        timeZone: 'Europe/Berlin',
        allowDirect: false,
        enqueue: async (id) => void enqueued.push(id),
      });
      expect(first.created.map((c) => [c.batch.nicheName, c.batch.trigger, c.batch.requested])).toEqual([
        ['Hot', 'auto', 65],
        ['Fresh', 'auto', 30],
      ]);
      expect(enqueued).toHaveLength(2);
      const second = await runAutoTrigger(d, {
        timeZone: 'Europe/Berlin',
        allowDirect: false,
        enqueue: async () => {},
      });
      expect(second.created).toHaveLength(0);
    });
  });
});
