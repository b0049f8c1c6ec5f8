import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/charts/stats-chart.js';
import { statsHistory } from '../../src/core/stats-history.js';
import { reply } from '../../src/reply/reply.js';
import { formatDailyDigest } from '../../src/worker/digest-format.js';
import { pngSize } from '../helpers/png.js';
import { type DiscordHarness, startDiscordHarness } from './harness.js';

let h: DiscordHarness;
beforeAll(async () => {
  h = await startDiscordHarness();
  await h.run({ command: 'niche', subcommand: 'add', options: { name: 'Life' } });
  await h.app.core.sql`insert into profiles (username, niche_id) select 'life_1', id from niches`;
  await h.app.core.sql`insert into detections (username, niche_id) select 'life_1', id from niches`;
});
afterAll(async () => {
  await h?.close();
});

describe('charts on Discord', { timeout: 30_000 }, () => {
  it('GIVEN /stats THEN the reply carries the chart as a PNG attachment of the chart size, the caption in the text', async () => {
    const rec = await h.run({ command: 'stats' });
    const message = rec.original;
    const png = message?.attachments.find((a) => a.filename.endsWith('.png'));
    expect(png?.filename).toMatch(/^stats-\d{4}-\d{2}-\d{2}-\d{4}\.png$/);
    expect(pngSize(png!.content)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(message?.content).toContain('Today (UTC): 0 checks, 1 stories');
    expect(message?.content).toContain('stories per niche per day for the last 7 days (UTC)');
  });

  it('GIVEN the daily digest sent to a channel by the delivery queue THEN the message has its table and the chart attached', async () => {
    const history = await statsHistory(h.app.core, { timeZone: 'UTC', now: new Date() });
    const digest = formatDailyDigest(history);
    // Through the outbox the reply is JSON: send what comes out of a round trip, as the queue does.
    const id = await h.bot.sender.send(
      '444000000000000777',
      JSON.parse(JSON.stringify(digest)) as typeof digest,
    );
    const message = h.fake.messages.find((m) => m.id === id);
    expect(message?.content).toMatch(/^Daily digest for \w{3} \d{2}\.\d{2} \(UTC\): 1 story\./);
    expect(message?.content).toContain('Life');
    const png = message?.attachments.find((a) => a.filename === `daily-${history.days.at(-1)}.png`);
    expect(pngSize(png!.content)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    // A reply without a chart block carries no picture.
    const plain = await h.bot.sender.send('444000000000000777', reply.text('no picture'));
    expect(h.fake.messages.find((m) => m.id === plain)?.attachments).toEqual([]);
  });
});
