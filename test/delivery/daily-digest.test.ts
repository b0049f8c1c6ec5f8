import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveries, niches, profiles } from '../../src/core/db/schema/index.js';
import { subscribeDigest } from '../../src/core/delivery-targets.js';
import { createDeliveryProducer } from '../../src/delivery/producer.js';
import type { Delivery, DeliveryProducer } from '../../src/delivery/types.js';
import type { Block } from '../../src/reply/reply.js';
import { renderPlain } from '../../src/reply/reply.js';
import { runDailyDigest, runDigestJob, runDigestTick } from '../../src/worker/digests.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

// Berlin is UTC+1 in November: its midnight between the 23rd and the 24th is 23:00 UTC on the 23rd.
const ZONE = 'Europe/Berlin';
const MIDNIGHT = new Date('2026-11-23T23:00:00Z');
const at = (minutes: number) => new Date(MIDNIGHT.getTime() + minutes * 60_000);

describe('daily digest', () => {
  let app: TestApp;
  let producer: DeliveryProducer;

  async function outbox(): Promise<Array<Delivery & { key: string }>> {
    const rows = await app.core.db.select().from(deliveries).orderBy(deliveries.id);
    return rows.map((r) => ({ ...(r.payload as unknown as Delivery), key: r.dedupeKey }));
  }
  const job = (now: Date) => runDigestJob({ core: app.core, deliveries: producer, timeZone: ZONE }, now);
  const chartOf = (d: Delivery) =>
    d.reply.blocks.find((b): b is Extract<Block, { type: 'chart' }> => b.type === 'chart');

  beforeEach(async () => {
    app = await createTestApp();
    producer = createDeliveryProducer(app);
    const [fit] = await app.core.db
      .insert(niches)
      .values({ name: 'Fitness', position: 1, dailyTarget: 2 })
      .returning();
    await app.core.db.insert(niches).values({ name: 'Travel', position: 2 });
    await app.core.db.insert(profiles).values([
      { username: 'anna', nicheId: fit!.id },
      { username: 'bob', nicheId: fit!.id },
    ]);
    await subscribeDigest(
      { db: app.core.db, clock: { now: () => at(-180) } },
      { platform: 'telegram', chatId: '42' },
    );
  });
  afterEach(async () => {
    await producer.close();
    await app.destroy();
  });

  it('GIVEN stories yesterday WHEN the tick crossing local midnight runs THEN the daily digest has yesterday against the target and the 7-day chart; hourly ones have no chart', async () => {
    await app.core.sql`
      insert into detections (username, niche_id, detected_at)
      select username, niche_id, ${at(-90)} from profiles`;
    expect(await job(at(-59))).toEqual({ daily: 0, queued: 1 }); // 23:01 in Berlin: the hourly digest of 22:30
    expect(await job(at(1))).toEqual({ daily: 1, queued: 0 }); // 00:01: the day ended
    const all = await outbox();
    expect(all.map((d) => d.key)).toEqual([`digest:1:${at(-60).toISOString()}`, 'daily:1:2026-11-23']);
    expect(chartOf(all[0]!)).toBeUndefined();
    const daily = all[1]!;
    expect(daily.target).toEqual({ platform: 'telegram', chatId: '42' });
    const text = renderPlain(daily.reply);
    expect(text).toContain(
      'Daily digest for Mon 23.11 (Europe/Berlin): 2 stories; 1 of 1 niches with a target met it.',
    );
    expect(text).toMatch(/Fitness\s+2\s+2 met/);
    expect(text).toMatch(/Travel\s+0\s+off/);
    const chart = chartOf(daily)!;
    expect(chart.fileName).toBe('daily-2026-11-23.png');
    expect(chart.chart.days).toEqual([
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
      '2026-11-23',
    ]);
    expect(chart.chart.niches.map((n) => [n.niche, n.stories.at(-1), n.target])).toEqual([
      ['Fitness', 2, 2],
      ['Travel', 0, 0],
    ]);
  });

  it('GIVEN a day without stories THEN the daily digest still comes, once, however often the tick runs', async () => {
    expect((await job(at(-59))).daily).toBe(0);
    expect((await job(at(1))).daily).toBe(1);
    expect((await job(at(30))).daily).toBe(0);
    expect((await job(at(61))).daily).toBe(0);
    const daily = (await outbox()).filter((d) => d.key.startsWith('daily:'));
    expect(daily).toHaveLength(1);
    expect(renderPlain(daily[0]!.reply)).toContain('Daily digest for Mon 23.11 (Europe/Berlin): 0 stories');
  });

  it('GIVEN a crash after the daily digest was written but before the watermark moved THEN the rerun writes it no second time', async () => {
    const deps = { core: app.core, deliveries: producer, timeZone: ZONE };
    expect((await runDailyDigest(deps, at(1))).queued).toBe(1);
    // The process died here; the job runs again.
    expect((await runDailyDigest(deps, at(1))).queued).toBe(1);
    await runDigestTick(deps, at(1));
    expect((await runDailyDigest(deps, at(2))).queued).toBe(0);
    expect((await outbox()).filter((d) => d.key.startsWith('daily:'))).toHaveLength(1);
  });

  it('GIVEN the service was down over midnight THEN the first tick after it sends the day that ended, once', async () => {
    expect(await job(at(4 * 60 + 1))).toEqual({ daily: 1, queued: 0 });
    expect((await outbox()).map((d) => d.key)).toEqual(['daily:1:2026-11-23']);
  });
});
