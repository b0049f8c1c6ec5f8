import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, OWNER, startBotHarness, visible } from './harness.js';

describe('Telegram: /results carries a "Copy all" button that sends every username as a .txt', () => {
  let h: BotHarness;
  const names = Array.from({ length: 12 }, (_, i) => `story_${String(i).padStart(2, '0')}`);
  beforeAll(async () => {
    h = await startBotHarness();
    await h.say('/niche add Fitness');
    await h.say(`/import Fitness ${names.join(' ')}`);
    await h.app.core.sql`
      insert into detections (username, niche_id, detected_at)
      select username, niche_id, now() - interval '10 minutes' from profiles`;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GIVEN /results THEN the list has a Copy all button, and pressing it sends a .txt of every name', async () => {
    const { replies } = await h.say('/results');
    const last = replies.at(-1)!;
    expect(visible(replies[0])).toContain('Stories in the last 24 h, all niches');
    const labels = (last.replyMarkup?.inline_keyboard?.flat() ?? []).map((b) => b.text);
    expect(labels).toEqual(['Copy all (.txt)']);
    const before = h.fake.messagesTo(OWNER).length;
    h.fake.pressButton(OWNER, last, 'Copy all (.txt)');
    const doc = await h.fake.waitFor(() =>
      h.fake
        .messagesTo(OWNER)
        .slice(before)
        .find((m) => m.document?.fileName === 'stories-all-24h.txt'),
    );
    expect(doc.document?.content.trim().split('\n').sort()).toEqual(names);
    expect(doc.caption).toContain('(12)');
  });
});
