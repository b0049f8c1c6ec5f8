import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, type DiscordHarness, GUILD, OWNER, startDiscordHarness } from './harness.js';

const LINES = 200_000;

describe('Discord: a large import shows its progress in the deferred reply', () => {
  let h: DiscordHarness;
  beforeAll(async () => {
    h = await startDiscordHarness();
    await h.run({ command: 'niche', subcommand: 'add', options: { name: 'fitness' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GIVEN a 200,000-line .txt THEN the reply shows progress up to 100 %, then the report replaces it', async () => {
    const names = Array.from({ length: LINES }, (_, i) => `dcbig_${String(i).padStart(6, '0')}`);
    const file = h.fake.hostFile('big.txt', `${names.join('\n')}\n`);
    const rec = h.fake.interactions.slash({
      command: 'import',
      options: { niche: 'fitness', file },
      userId: OWNER,
      channelId: CHANNEL,
      guildId: GUILD,
    });
    const reply = await h.fake.waitFor(
      () => (rec.original?.content.includes('Import into') ? rec.original : undefined),
      25_000,
    );
    const states = reply.history.map((s) => s.content);
    const progress = states.filter((s) => s.startsWith('Importing into fitness'));
    console.log(`reply states: ${states.map((s) => s.split('\n')[0]).join(' -> ')}`);
    expect(progress[0]).toBe('Importing into fitness: 0 of 200,000 usernames (0 %)');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    // The last progress state, right before the report, is 100 %.
    const reportAt = states.findIndex((s) => s.includes('Import into'));
    expect(states[reportAt - 1]).toBe('Importing into fitness: 200,000 of 200,000 usernames (100 %)');
    expect(reply.content).toContain('Import into fitness: 200,000 profiles added');
    expect(rec.followUps).toHaveLength(0);
  });
});
