import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profiles } from '../../src/core/db/schema/index.js';
import { buttonsOf, type DiscordHarness, shown, startDiscordHarness } from './harness.js';

describe('Discord: importing attachments and paging profiles', () => {
  let h: DiscordHarness;
  beforeAll(async () => {
    h = await startDiscordHarness();
    await h.run({ command: 'niche', subcommand: 'add', options: { name: 'Fitness' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GIVEN an attached .txt with duplicates and junk THEN new usernames are added and the rest is reported', async () => {
    const file = h.fake.hostFile(
      'fitness.txt',
      'anna_fit\nBob.Fit\nanna_fit\n@carol\nhttps://instagram.com/dave_x\nbad!!name\n..dots\nbob.fit\n',
    );
    const rec = await h.run({ command: 'import', options: { niche: 'Fitness', file } });
    const text = shown(rec);
    console.log(`import reply: ${text.split('\n')[0]}`);
    expect(text).toContain('4 profiles added');
    expect(text).toContain('2 repeated in the input');
    expect(text).toContain('2 malformed');
    expect(text).toContain('bad!!name');
    expect(h.fake.downloads).toEqual(['fitness.txt']);
    const rows = await h.app.core.db.select({ username: profiles.username }).from(profiles);
    expect(rows.map((r) => r.username).sort()).toEqual(['anna_fit', 'bob.fit', 'carol', 'dave_x']);
  });

  it('GIVEN typed usernames and a file together THEN both are imported; existing ones are left alone', async () => {
    const file = h.fake.hostFile('more.txt', 'carol\nerin_e\n');
    const rec = await h.run({
      command: 'import',
      options: { niche: 'Fitness', usernames: 'frank_f, anna_fit', file },
    });
    expect(shown(rec)).toContain('2 profiles added');
    expect(shown(rec)).toContain('2 already present');
  });

  it('GIVEN an attachment that is not text THEN it is refused clearly and nothing is read', async () => {
    const png = h.fake.hostFile('photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), 'image/png');
    const before = h.fake.downloads.length;
    const rec = await h.run({ command: 'import', options: { niche: 'Fitness', file: png } });
    expect(shown(rec)).toMatch(/^⛔ photo\.png is not a text file/);
    expect(h.fake.downloads.length).toBe(before);
  });

  it('GIVEN an attachment over 20 MB THEN it is refused by its size before any download', async () => {
    const huge = h.fake.hostFile('huge.txt', Buffer.alloc(21 * 1024 * 1024, 0x61));
    const before = h.fake.downloads.length;
    const rec = await h.run({ command: 'import', options: { niche: 'Fitness', file: huge } });
    expect(shown(rec)).toBe('⛔ huge.txt is 21.0 MB; the limit is 20 MB. Split it into smaller .txt files.');
    expect(h.fake.downloads.length).toBe(before);
  });

  it('GIVEN 120 profiles THEN /profiles list pages with buttons, and Next turns the page in place', async () => {
    const many = Array.from({ length: 114 }, (_, i) => `paged_user_${String(i).padStart(3, '0')}`);
    await h.run({
      command: 'import',
      options: { niche: 'Fitness', file: h.fake.hostFile('many.txt', many.join('\n')) },
    });
    const total = (await h.app.core.db.select().from(profiles).where(eq(profiles.status, 'active'))).length;
    expect(total).toBe(120);

    const rec = await h.run({ command: 'profiles', subcommand: 'list', options: { name: 'Fitness' } });
    const message = rec.original!;
    expect(shown(rec)).toContain('page 1 of 3');
    expect(buttonsOf(message).map((b) => b.label)).toEqual(['Next']);
    expect(buttonsOf(message).every((b) => b.custom_id.length <= 100)).toBe(true);
    // Usernames stay copyable inline; the wide table went to a file so nothing was cut.
    expect(message.content.length).toBeLessThanOrEqual(2000);
    expect(message.content).toContain('```\nanna_fit\nbob.fit');
    expect(message.attachments.map((a) => a.filename)).toEqual(['table.txt']);
    expect(message.attachments[0]!.content.toString().split('\n').length).toBeGreaterThanOrEqual(52);

    const next = await h.click(message, 'Next');
    expect(next.callbacks.map((c) => c.type)).toEqual([6]);
    expect(message.content).toContain('page 2 of 3');
    expect(buttonsOf(message).map((b) => b.label)).toEqual(['Previous', 'Next']);
    const last = await h.click(message, 'Next');
    expect(last.original?.id).toBe(message.id);
    expect(message.content).toContain('page 3 of 3');
    expect(buttonsOf(message).map((b) => b.label)).toEqual(['Previous']);
    expect(
      h.fake.messagesIn(message.channelId).filter((m) => m.content.includes('Profiles of')),
    ).toHaveLength(1);
    console.log(`profiles list: ${message.history.length} states of one message (pages 1 -> 2 -> 3)`);
  });
});
