import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonsOf, type DiscordHarness, shown, startDiscordHarness } from './harness.js';

describe('Discord: /results carries a "Copy all" button that sends every username as a .txt', () => {
  let h: DiscordHarness;
  const names = Array.from({ length: 12 }, (_, i) => `story_${String(i).padStart(2, '0')}`);
  beforeAll(async () => {
    h = await startDiscordHarness();
    await h.run({ command: 'niche', subcommand: 'add', options: { name: 'Home Fitness' } });
    await h.run({ command: 'import', options: { niche: 'Home Fitness', usernames: names.join(' ') } });
    await h.app.core.sql`
      insert into detections (username, niche_id, detected_at)
      select username, niche_id, now() - interval '10 minutes' from profiles`;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GIVEN /results of a niche with a space in its name THEN the button sends stories-….txt with every name', async () => {
    const rec = await h.run({ command: 'results', options: { name: 'home fitness', hours: 6 } });
    const message = rec.original!;
    expect(shown(rec)).toContain('Stories in the last 6 h, Home Fitness');
    expect(buttonsOf(message).map((b) => b.label)).toEqual(['Copy all (.txt)']);
    const pressed = await h.click(message, 'Copy all (.txt)');
    const file = pressed.original?.attachments.find((a) => a.filename === 'stories-Home_Fitness-6h.txt');
    expect(file?.content.toString().trim().split('\n').sort()).toEqual(names);
  });
});
