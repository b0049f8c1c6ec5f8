import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/charts/stats-chart.js';
import { deliveries } from '../../src/core/db/schema/index.js';
import { createDeliveryProducer } from '../../src/delivery/producer.js';
import { startDeliveryWorker } from '../../src/delivery/worker.js';
import { runDigestJob } from '../../src/worker/digests.js';
import { pngSize } from '../helpers/png.js';
import { type BotHarness, OWNER, startBotHarness, until, visible } from './harness.js';

let h: BotHarness;
beforeAll(async () => {
  h = await startBotHarness();
  await h.say('/niche add fitness');
  await h.say('/target fitness 3');
  await h.app.core.sql`insert into profiles (username, niche_id) select 'anna', id from niches`;
  await h.app.core.sql`insert into detections (username, niche_id) select 'anna', id from niches`;
});
afterAll(async () => {
  await h?.close();
});

describe('charts on Telegram', { timeout: 30_000 }, () => {
  it('GIVEN /stats THEN the summary, then the chart as a photo (a PNG of the chart size) with its caption', async () => {
    const { replies } = await h.say('/stats', { expect: 2 });
    expect(replies.map((m) => m.method)).toEqual(['sendMessage', 'sendPhoto']);
    expect(visible(replies[0])).toContain('Today (UTC): 0 checks, 1 stories');
    const photo = replies[1]!;
    expect(photo.photo?.fileName).toMatch(/^stats-\d{4}-\d{2}-\d{2}-\d{4}\.png$/);
    expect(pngSize(photo.photo!.content)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(visible(photo)).toContain('stories per niche per day for the last 7 days (UTC)');
  });

  it('GIVEN a chat with the digest on WHEN the first tick of a day runs twice THEN one daily digest arrives, its chart as a photo', async () => {
    await h.say('/digest here');
    const producer = createDeliveryProducer(h.app);
    const worker = startDeliveryWorker(h.app, { telegram: h.bot.sender });
    const before = h.fake.messagesTo(OWNER).length;
    // The chat subscribed just now; the tick after the next local midnight (UTC here) closes that day.
    const midnight = new Date(
      Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1),
    );
    const tick = (at: Date) =>
      runDigestJob({ core: h.app.core, deliveries: producer, timeZone: h.app.env.STORYWATCH_TIMEZONE }, at);
    try {
      expect((await tick(new Date(midnight.getTime() + 60_000))).daily).toBe(1);
      expect((await tick(new Date(midnight.getTime() + 120_000))).daily).toBe(0);
      await until(async () =>
        (await h.app.core.db.select().from(deliveries)).some(
          (d) => d.dedupeKey.startsWith('daily:') && d.status === 'sent',
        ),
      );
      const arrived = h.fake.messagesTo(OWNER).slice(before);
      const photos = arrived.filter((m) => m.method === 'sendPhoto');
      expect(photos).toHaveLength(1);
      expect(photos[0]!.photo?.fileName).toMatch(/^daily-\d{4}-\d{2}-\d{2}\.png$/);
      expect(pngSize(photos[0]!.photo!.content)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
      expect(arrived.filter((m) => visible(m).startsWith('Daily digest for'))).toHaveLength(1);
    } finally {
      await worker.close();
      await producer.close();
    }
  });
});
