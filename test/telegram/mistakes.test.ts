import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, OWNER, startBotHarness, visible } from './harness.js';

const PASSWORD = 'S3cretPassw0rd';

/** What an operator gets wrong in a real chat, and what the bot must still get right. */
describe('Telegram: operator mistakes and late answers', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
    await h.say('/niche add Fitness');
  });
  afterAll(async () => {
    await h?.close();
  });

  const everythingTheBotSaid = () =>
    h.fake.botMessages.map((m) => [m.text ?? '', ...m.edits, m.caption ?? ''].join('\n')).join('\n');
  const wasDeleted = (messageId: number) =>
    h.fake.waitFor(() => h.fake.deletedUserMessages.find((d) => d.messageId === messageId));
  const countIn = async (niche: string) => {
    const [row] = await h.app.core.sql<Array<{ n: number }>>`
      select count(*)::int as n from profiles p join niches n on n.id = p.niche_id where n.name = ${niche}`;
    return row?.n ?? 0;
  };

  const COOKIE_SECRET = 'AYdEADBEEFCAFE0123';
  it.each([
    ['a forgotten subcommand', `/proxy 10.0.0.9:8080:alice:${PASSWORD}`, PASSWORD],
    ['a mistyped subcommand', `/proxy ad 10.0.0.9:8080:alice:${PASSWORD}`, PASSWORD],
    ['a mistyped command', `/proxies add 10.0.0.9:8080:alice:${PASSWORD}`, PASSWORD],
    ['a proxy URL under another command', `/proxy test http://alice:${PASSWORD}@10.0.0.9:8080`, PASSWORD],
    [
      'a session without its subcommand',
      `/session sessionid=1234567%3A${COOKIE_SECRET}%3A12; csrftoken=abc; ds_user_id=1234567`,
      COOKIE_SECRET,
    ],
  ])(
    'GIVEN credentials in %s THEN the message is deleted and the secret is never repeated',
    async (_what, text, secret) => {
      const { sent, replies } = await h.say(text);
      console.log(`${text.split(' ')[0]}: ${visible(replies[0]).split('\n')[0]}`);
      await wasDeleted(sent.messageId);
      expect(everythingTheBotSaid()).not.toContain(secret);
      expect(h.app.logs.text).not.toContain(secret);
    },
  );

  it('GIVEN /start with a deep-link payload THEN it answers like /help instead of refusing the payload', async () => {
    const { replies } = await h.say('/start ref-campaign-42');
    const text = visible(replies[0]);
    expect(text).not.toContain('Unexpected word');
    expect(text).toContain('/niche add NAME');
  });

  it('GIVEN an anonymous group admin THEN the reply says to turn off Remain anonymous, and no refusal is logged', async () => {
    const group = -100777888;
    const authBefore = await h.app.core.sql`select 1 from events where kind = 'auth'`;
    h.fake.sendFromUser(1087968824, { chatId: group, text: '/niche list', asGroup: true });
    const answer = await h.fake.waitFor(() => h.fake.messagesTo(group)[0]);
    console.log(`anonymous admin: ${visible(answer)}`);
    expect(visible(answer)).toContain('Remain anonymous');
    const authAfter = await h.app.core.sql`select 1 from events where kind = 'auth'`;
    expect(authAfter.length).toBe(authBefore.length);
  });

  it('GIVEN a stranger in a group types another bot’s command THEN nothing is answered or logged; the owner still hears of typos', async () => {
    const group = -100777999;
    h.fake.sendFromUser(5550123, { chatId: group, text: '/weather Berlin' });
    h.fake.sendFromUser(OWNER, { chatId: group, text: '/nichee list' });
    const answer = await h.fake.waitFor(() => h.fake.messagesTo(group)[0]);
    expect(visible(answer)).toContain('Unknown command /nichee');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.fake.messagesTo(group)).toHaveLength(1);
    const refusals = await h.app.core
      .sql`select 1 from events where kind = 'auth' and message like '%5550123%'`;
    expect(refusals).toHaveLength(0);
  });

  it('GIVEN a page button answered too late for Telegram THEN the page still turns and no error is shown', async () => {
    const names = Array.from({ length: 120 }, (_, i) => `pager_${String(i).padStart(3, '0')}`);
    await h.say('/import Fitness', {
      document: { fileName: 'pager.txt', content: Buffer.from(names.join('\n')) },
    });
    const { replies } = await h.say('/profiles Fitness');
    const first = replies.at(-1)!;
    const before = visible(first);
    const next = first.replyMarkup?.inline_keyboard?.flat().at(-1);
    expect(next).toBeDefined();
    h.fake.failNext('answerCallbackQuery', 1, 400, {
      description: 'Bad Request: query is too old and response timeout expired or query ID is invalid',
    });
    const sentBefore = h.fake.messagesTo(OWNER).length;
    h.fake.pressButton(OWNER, first, next!.text);
    const edited = await h.fake.waitFor(() => (first.edits.length > 0 ? first : undefined));
    expect(visible(edited)).not.toBe(before);
    expect(h.fake.messagesTo(OWNER).length).toBe(sentBefore);
    expect(everythingTheBotSaid()).not.toContain('Something failed');
  });

  it('GIVEN a .csv document and one without an extension THEN both are imported like a .txt', async () => {
    const csv = await h.say(undefined, {
      caption: '/import Fitness',
      document: { fileName: 'list.csv', content: Buffer.from('csv_one,csv_two\n'), mimeType: 'text/csv' },
    });
    console.log(`csv: ${visible(csv.replies[0]).split('\n')[0]}`);
    const bare = await h.say(undefined, {
      caption: '/import Fitness',
      document: {
        fileName: 'pasted',
        content: Buffer.from('bare_one\nbare_two\n'),
        mimeType: 'application/octet-stream',
      },
    });
    console.log(`no extension: ${visible(bare.replies[0]).split('\n')[0]}`);
    const rows = await h.app.core.sql<Array<{ username: string }>>`
      select username from profiles where username like 'csv_%' or username like 'bare_%' order by 1`;
    expect(rows.map((r) => r.username)).toEqual(['bare_one', 'bare_two', 'csv_one', 'csv_two']);
  });

  it('GIVEN a document over 20 MB whose size the update did not say THEN the reply names the 20 MB limit', async () => {
    const before = await countIn('Fitness');
    const { replies } = await h.say(undefined, {
      caption: '/import Fitness',
      document: {
        fileName: 'huge.txt',
        content: Buffer.from('zed\n'),
        fileSize: 25 * 1024 * 1024,
        sizeUnknown: true,
      },
    });
    const text = visible(replies[0]);
    console.log(`unknown-size 25 MB document: ${text}`);
    expect(text).toContain('huge.txt is larger than 20 MB');
    expect(text).not.toContain('Something failed');
    // The reply comes after the import would have run: nothing was added.
    expect(await countIn('Fitness')).toBe(before);
  });
});
