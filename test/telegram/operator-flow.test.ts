import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { niches, profiles, settings } from '../../src/core/db/schema/index.js';
import type { BotMessage } from '../fakes/fake-telegram.js';
import { type BotHarness, startBotHarness, visible } from './harness.js';

const txt = (fileName: string, lines: readonly string[]) => ({
  fileName,
  content: Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8'),
});

const isError = (m: BotMessage | undefined) => visible(m).startsWith('⛔');

describe('Telegram: the operator’s everyday commands end to end', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const usernamesOf = async (name: string) => {
    const [n] = await h.app.core.db.select().from(niches).where(eq(niches.name, name));
    if (!n) return [];
    const rows = await h.app.core.db
      .select({ username: profiles.username })
      .from(profiles)
      .where(eq(profiles.nicheId, n.id))
      .orderBy(asc(profiles.username));
    return rows.map((r) => r.username);
  };

  it('GIVEN /niche add THEN the niche exists and /niche list shows it', async () => {
    const added = await h.say('/niche add Fitness');
    expect(isError(added.replies[0])).toBe(false);
    await h.say('/niche add "Travel Blogs"');
    const rows = await h.app.core.db.select().from(niches).orderBy(asc(niches.position));
    expect(rows.map((r) => r.name)).toEqual(['Fitness', 'Travel Blogs']);
    const list = visible((await h.say('/niche list')).replies[0]);
    expect(list).toContain('Fitness');
    expect(list).toContain('Travel Blogs');
  });

  it('GIVEN /niche alone THEN its subcommands are listed', async () => {
    const text = visible((await h.say('/niche')).replies[0]);
    expect(text).toContain('/niche needs a subcommand:');
    expect(text).toContain('/niche add NAME');
  });

  it('GIVEN a .txt with duplicates and junk sent with the caption /import THEN valid names are added once and the report counts the rest', async () => {
    const file = txt('fitness.txt', [
      '\uFEFFanna',
      'Bob',
      '@cara',
      'anna',
      'bob',
      'username!!',
      '',
      'https://www.instagram.com/dan.fit/',
      'this_name_is_far_too_long_for_instagram',
    ]);
    const { replies } = await h.say(undefined, { caption: '/import Fitness', document: file });
    const report = visible(replies[0]);
    console.log(`import report: ${report.replace(/\n/g, ' | ')}`);
    expect(isError(replies[0])).toBe(false);
    expect(await usernamesOf('Fitness')).toEqual(['anna', 'bob', 'cara', 'dan.fit']);
    expect(report).toContain('4 profiles added');
    expect(report).toContain('2 repeated in the input');
    expect(report).toContain('2 malformed');
    expect(report).toContain('line 6');
  });

  it('GIVEN /import as a reply to a message carrying a .txt THEN that file is imported', async () => {
    const doc = h.fake.sendFromUser(5550001, { document: txt('more.txt', ['erin', 'frank']) });
    // The bare document gets a hint; the reply then imports it.
    await h.fake.waitFor(() =>
      h.fake.messagesTo(5550001).find((m) => visible(m).includes('caption /import')),
    );
    await h.say('/import "Travel Blogs"', { replyTo: doc.messageId });
    expect(await usernamesOf('Travel Blogs')).toEqual(['erin', 'frank']);
  });

  it('GIVEN /import NAME followed by usernames in the same message THEN they are imported', async () => {
    await h.say('/import Fitness\ngina\nhank\nanna');
    expect(await usernamesOf('Fitness')).toEqual(['anna', 'bob', 'cara', 'dan.fit', 'gina', 'hank']);
  });

  it('GIVEN a file that is not .txt, or over 20 MB THEN it is refused clearly and nothing is imported', async () => {
    const downloads = h.fake.callsOf('download').length;
    const pdf = await h.say(undefined, {
      caption: '/import Fitness',
      document: { fileName: 'list.pdf', content: Buffer.from('%PDF-1.4'), mimeType: 'application/pdf' },
    });
    expect(visible(pdf.replies[0])).toContain('list.pdf is not a text file');
    const big = await h.say(undefined, {
      caption: '/import Fitness',
      document: { fileName: 'huge.txt', content: Buffer.from('zed\n'), fileSize: 21 * 1024 * 1024 },
    });
    expect(visible(big.replies[0])).toContain('huge.txt is 21.0 MB');
    expect(h.fake.callsOf('download')).toHaveLength(downloads);
    expect(await usernamesOf('Fitness')).not.toContain('zed');
  });

  it('GIVEN a 2,000-username list arriving as a document THEN all 2,000 are imported', async () => {
    const names = Array.from({ length: 2000 }, (_, i) => `bulk_${String(i).padStart(4, '0')}`);
    const { replies } = await h.say(undefined, {
      caption: '/import "Travel Blogs"',
      document: txt('bulk.txt', names),
    });
    expect(isError(replies[0])).toBe(false);
    const travel = await usernamesOf('Travel Blogs');
    console.log(
      `2,000-line document import: ${travel.filter((u) => u.startsWith('bulk_')).length} profiles added`,
    );
    expect(travel.filter((u) => u.startsWith('bulk_'))).toEqual(names);
  });

  it('GIVEN /target NAME COUNT THEN the target is set, and /target alone lists targets', async () => {
    await h.say('/target Fitness 20');
    const [n] = await h.app.core.db.select().from(niches).where(eq(niches.name, 'Fitness'));
    expect(n?.dailyTarget).toBe(20);
    const list = visible((await h.say('/target')).replies[0]);
    expect(list).toContain('Fitness');
    expect(list).toContain('20');
    const refused = await h.say('/target Fitness 900');
    expect(visible(refused.replies[0])).toContain('800');
  });

  it('GIVEN /settings alone and /settings threads N THEN settings are shown and changed', async () => {
    const shown = await h.say('/settings');
    expect(isError(shown.replies[0])).toBe(false);
    await h.say('/settings threads 5');
    const [row] = await h.app.core.db.select().from(settings);
    expect(row?.threads).toBe(5);
  });

  it('GIVEN more profiles than a page THEN the next and previous buttons turn the page in place', async () => {
    const { replies } = await h.say('/profiles "Travel Blogs"');
    const first = replies.at(-1)!;
    const before = visible(first);
    const buttons = first.replyMarkup?.inline_keyboard?.flat() ?? [];
    console.log(
      `profiles page 1 buttons: ${buttons.map((b) => `${b.text} (${b.callback_data?.length} bytes)`).join(', ')}`,
    );
    expect(buttons.length).toBeGreaterThan(0);
    for (const b of buttons) expect(Buffer.byteLength(b.callback_data ?? '')).toBeLessThanOrEqual(64);
    const next = buttons.at(-1)!;
    const id = h.fake.pressButton(5550001, first, next.text);
    await h.fake.waitFor(() => h.fake.callbackAnswers.find((a) => a.id === id));
    const edited = await h.fake.waitFor(() => (first.edits.length > 0 ? first : undefined));
    const after = visible(edited);
    expect(after).not.toBe(before);
    const back = edited.replyMarkup?.inline_keyboard?.flat()[0];
    expect(back).toBeDefined();
    h.fake.pressButton(5550001, edited, back!.text);
    await h.fake.waitFor(() => (first.edits.length > 1 ? first : undefined));
    expect(visible(first)).toBe(before);
  });

  it('GIVEN wrong arguments THEN the usage line for that command comes back', async () => {
    const { replies } = await h.say('/target Fitness lots');
    expect(visible(replies[0])).toContain('Usage: /target');
  });
});
