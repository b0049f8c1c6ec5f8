import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { niches } from '../../src/core/db/schema/index.js';
import { ACK_DEADLINE_MS } from '../fakes/fake-discord-interactions.js';
import {
  CHANNEL,
  type DiscordHarness,
  GUILD,
  OWNER,
  STRANGER,
  shown,
  startDiscordHarness,
} from './harness.js';

describe('Discord: niches and autocomplete', () => {
  let h: DiscordHarness;
  beforeAll(async () => {
    h = await startDiscordHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GIVEN /niche add with a name THEN the niche exists and the reply says so', async () => {
    const rec = await h.run({ command: 'niche', subcommand: 'add', options: { name: 'Fitness' } });
    expect(shown(rec)).toContain('Niche "Fitness" created');
    await h.run({ command: 'niche', subcommand: 'add', options: { name: 'Travel Blogs' } });
    await h.run({ command: 'niche', subcommand: 'add', options: { name: 'Food' } });
    const rows = await h.app.core.db.select({ name: niches.name }).from(niches).orderBy(niches.position);
    expect(rows.map((r) => r.name)).toEqual(['Fitness', 'Travel Blogs', 'Food']);
  });

  it('GIVEN /niche list THEN the table is a code block', async () => {
    const rec = await h.run({ command: 'niche', subcommand: 'list' });
    expect(shown(rec)).toMatch(/```\n#\s+niche\s+active/);
    expect(shown(rec)).toContain('Travel Blogs');
  });

  it('GIVEN a niche option being typed THEN autocomplete answers from the database within 3 s', async () => {
    const rec = await h.fake.interactions.done(
      h.fake.interactions.autocomplete({
        command: 'niche',
        subcommand: 'remove',
        focused: 'name',
        value: 'tr',
        userId: OWNER,
        channelId: CHANNEL,
        guildId: GUILD,
      }),
    );
    expect(rec.callbacks[0]?.type).toBe(8);
    expect(rec.callbacks[0]?.afterMs).toBeLessThan(ACK_DEADLINE_MS);
    expect(rec.choices).toEqual([{ name: 'Travel Blogs', value: 'Travel Blogs' }]);
    const all = await h.fake.interactions.done(
      h.fake.interactions.autocomplete({
        command: 'niche',
        subcommand: 'remove',
        focused: 'name',
        value: '',
        userId: OWNER,
        channelId: CHANNEL,
        guildId: GUILD,
      }),
    );
    expect(all.choices?.map((c) => c.name)).toEqual(['Fitness', 'Travel Blogs', 'Food']);
    console.log(
      `autocomplete "tr" answered in ${rec.callbacks[0]?.afterMs} ms with ${rec.choices?.length} choice`,
    );
  });

  it('GIVEN a stranger typing THEN autocomplete offers nothing', async () => {
    const rec = await h.fake.interactions.done(
      h.fake.interactions.autocomplete({
        command: 'niche',
        subcommand: 'remove',
        focused: 'name',
        value: '',
        userId: STRANGER,
        channelId: CHANNEL,
        guildId: GUILD,
      }),
    );
    expect(rec.choices).toEqual([]);
  });

  it('GIVEN /niche move with an integer option THEN the registered option carries its minimum and the order changes', async () => {
    const niche = h.fake.commands.get(GUILD)?.find((c) => c.name === 'niche');
    const move = niche?.options?.find((o) => o.name === 'move');
    expect(move?.options?.find((o) => o.name === 'position')).toMatchObject({
      type: 4,
      min_value: 1,
      required: true,
    });
    const rec = await h.run({ command: 'niche', subcommand: 'move', options: { name: 'Food', position: 1 } });
    expect(shown(rec)).toContain('Order: Food, Fitness, Travel Blogs');
  });

  it('GIVEN a wrong niche name THEN the reply is a specific error', async () => {
    const rec = await h.run({ command: 'niche', subcommand: 'remove', options: { name: 'Nope' } });
    expect(shown(rec)).toMatch(/^⛔ /);
    expect(shown(rec)).toContain('Nope');
  });
});
