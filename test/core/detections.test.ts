import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeOldDetections, recentStories } from '../../src/core/detections/index.js';
import { seedNiche } from '../helpers/batch-fixtures.js';
import { createTestDeps, ManualClock, type TestDeps } from '../helpers/deps.js';
import { run } from './command-helpers.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);

describe('results window and purge', () => {
  let d: TestDeps;
  const clock = new ManualClock(NOW);
  beforeAll(async () => {
    d = await createTestDeps({ clock });
    const fit = await seedNiche(d.sql, 'Fitness', 5, { prefix: 'fit_' });
    const trav = await seedNiche(d.sql, 'Travel', 5, { prefix: 'trv_' });
    const add = (u: string, niche: number, h: number, expires: Date | null = null) =>
      d.sql`insert into detections (username, niche_id, detected_at, story_expires_at)
            values (${u}, ${niche}, ${hoursAgo(h)}, ${expires})`;
    await add('fit_00000', fit, 1, new Date(NOW.getTime() + 2 * 3600_000));
    await add('fit_00001', fit, 5);
    await add('fit_00001', fit, 20); // an older sighting of the same profile: listed once
    await add('trv_00000', trav, 3);
    await add('trv_00001', trav, 23.5);
    await add('fit_00002', fit, 25); // outside the window, purged
    await add('trv_00002', trav, 30);
  });
  afterAll(async () => {
    await d.close();
  });

  it('GIVEN detections over two days THEN the window lists each username once, newest first, with expiry, by niche or all', async () => {
    const all = await recentStories(d, { hours: 24 });
    expect(all.map((r) => r.username)).toEqual(['fit_00000', 'trv_00000', 'fit_00001', 'trv_00001']);
    expect(all[0]!.expiresAt.toISOString()).toBe('2026-03-10T14:00:00.000Z');
    // Without a known expiry a story is assumed to expire 24 h after it was seen.
    expect(all[1]!.expiresAt.toISOString()).toBe(
      new Date(hoursAgo(3).getTime() + 24 * 3600_000).toISOString(),
    );
    const [fit] = await d.sql`select id from niches where name = 'Fitness'`;
    const fitOnly = await recentStories(d, { hours: 4, nicheId: fit!.id });
    expect(fitOnly.map((r) => r.username)).toEqual(['fit_00000']);
    await expect(recentStories(d, { hours: 25 })).rejects.toMatchObject({ code: 'bad_hours' });
  });

  it('GIVEN the results command THEN a copyable list and a table with expiry; a lone number is the hours', async () => {
    const { reply, text } = await run(d, 'results');
    expect(reply.blocks[0]).toMatchObject({
      type: 'usernames',
      usernames: ['fit_00000', 'trv_00000', 'fit_00001', 'trv_00001'],
    });
    expect(text).toContain('expires in');
    expect(text).toContain('2h 00m');
    const six = await run(d, 'results 6');
    expect((six.reply.data as { usernames: string[] }).usernames).toEqual([
      'fit_00000',
      'trv_00000',
      'fit_00001',
    ]);
    const travel = await run(d, 'results travel 4');
    expect((travel.reply.data as { usernames: string[] }).usernames).toEqual(['trv_00000']);
    const bad = await run(d, 'results nosuch');
    expect(bad.text).toMatch(/No niche named "nosuch"; niches are: /);
    const tooMany = await run(d, 'results all 48');
    expect(tooMany.text).toMatch(/Hours must be from 1 to 24; got 48\./);
  });

  it('GIVEN detections older than 24 h THEN the purge deletes exactly those, and a second run deletes nothing', async () => {
    expect(await purgeOldDetections(d)).toBe(2);
    expect(await purgeOldDetections(d)).toBe(0);
    const [left] = await d.sql`select count(*)::int as n from detections`;
    expect(left!.n).toBe(5);
    clock.advance(3600_000);
    expect(await purgeOldDetections(d)).toBe(1); // trv_00001 (23.5 h) crossed the line
  });
});
