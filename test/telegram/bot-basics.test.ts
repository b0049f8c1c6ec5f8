import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/bot/commands/registry.js';
import { events } from '../../src/core/db/schema/index.js';
import { type BotHarness, OWNER, STRANGER, startBotHarness, visible } from './harness.js';

describe('Telegram bot against the fake Bot API', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GIVEN the bot starts THEN it deletes the webhook, registers the top-level commands and polls', async () => {
    expect(h.fake.callsOf('deleteWebhook').length).toBeGreaterThanOrEqual(1);
    // The menu is the registry's top-level names, in its order: no command is left out of it.
    const tops = [...new Set(commands.map((c) => c.path[0]))];
    expect(h.fake.myCommands.map((c) => c.command)).toEqual(tops);
    expect(tops).toEqual(expect.arrayContaining(['niche', 'import', 'settings', 'proxy', 'batch', 'help']));
    const settings = h.fake.myCommands.find((c) => c.command === 'settings');
    expect(settings?.description).toContain('policy');
    for (const entry of h.fake.myCommands) expect(entry.description.length).toBeGreaterThan(0);
    await h.fake.waitFor(() => h.fake.callsOf('getUpdates').length > 0);
    expect(h.bot.isConnected()).toBe(true);
  });

  it('GIVEN /help THEN every command is listed with its usage', async () => {
    const { replies } = await h.say('/help');
    const text = visible(replies[0]);
    expect(text).toContain('/help');
    expect(text).toContain('/digest here');
    expect(replies[0]?.parseMode).toBe('HTML');
  });

  it('GIVEN an unknown command THEN a short line points to /help', async () => {
    const { replies } = await h.say('/frobnicate now');
    expect(visible(replies[0])).toBe('⛔ Unknown command /frobnicate. /help lists every command.');
  });

  it('GIVEN a top-level name without its subcommand THEN the subcommands are listed with usage', async () => {
    const { replies } = await h.say('/digest');
    const text = visible(replies[0]);
    expect(text).toContain('/digest needs a subcommand:');
    expect(text).toContain('/digest here');
    expect(text).toContain('/digest off');
  });

  it('GIVEN extra words after a command THEN the usage line comes back', async () => {
    const { replies } = await h.say('/digest here please');
    expect(visible(replies[0])).toContain('Usage: /digest here');
  });

  it('GIVEN a stranger writes twice THEN they get one refusal, nothing runs, and the attempt is an auth event', async () => {
    const first = await h.say('/digest here', { from: STRANGER });
    expect(visible(first.replies[0])).toContain('This bot is private');
    h.fake.sendFromUser(STRANGER, { text: '/help' });
    await h.fake.waitFor(() => h.app.logs.lines.filter((l) => l.includes('refused a user')).length >= 2);
    expect(h.app.logs.text).toContain('"first":false');
    expect(h.fake.messagesTo(STRANGER)).toHaveLength(1);
    const authEvents = await h.app.core.db.select().from(events).where(eq(events.kind, 'auth'));
    expect(authEvents.length).toBeGreaterThanOrEqual(1);
    expect(authEvents[0]?.message).toContain(String(STRANGER));
    const digestEvents = await h.app.core.db.select().from(events).where(eq(events.kind, 'digest'));
    expect(digestEvents).toHaveLength(0);
  });

  it('GIVEN a stranger presses a button THEN the query is answered with a refusal and nothing runs', async () => {
    const { replies } = await h.say('/help');
    const fakeButtonMessage = {
      ...replies[0]!,
      replyMarkup: { inline_keyboard: [[{ text: 'x', callback_data: 'b:nope' }]] },
    };
    const id = h.fake.pressButton(STRANGER, fakeButtonMessage, 'x');
    const answer = await h.fake.waitFor(() => h.fake.callbackAnswers.find((a) => a.id === id));
    expect(answer.text).toBe('This bot is private.');
  });

  it('GIVEN the owner presses an unknown button THEN the query is answered, saying it expired', async () => {
    const { replies } = await h.say('/help');
    const msg = {
      ...replies[0]!,
      replyMarkup: { inline_keyboard: [[{ text: 'y', callback_data: 'b:gone123' }]] },
    };
    const id = h.fake.pressButton(OWNER, msg, 'y');
    const answer = await h.fake.waitFor(() => h.fake.callbackAnswers.find((a) => a.id === id));
    expect(answer.text).toContain('expired');
  });

  it('GIVEN plain text in a private chat THEN the bot says commands start with /', async () => {
    const { replies } = await h.say('hello');
    expect(visible(replies[0])).toBe('Commands start with /. /help lists every command.');
  });

  it('GIVEN a group where a stranger chats and the owner addresses another bot THEN the bot stays out of it', async () => {
    const group = -100200300;
    h.fake.sendFromUser(5550777, { chatId: group, text: 'hello everyone' });
    h.fake.sendFromUser(OWNER, { chatId: group, text: '/help@some_other_bot' });
    h.fake.sendFromUser(OWNER, { chatId: group, text: '/help@storywatch_test_bot' });
    const answer = await h.fake.waitFor(() => h.fake.messagesTo(group)[0]);
    expect(visible(answer)).toContain('/digest here');
    expect(h.fake.messagesTo(group)).toHaveLength(1);
    const refusals = await h.app.core.db.select().from(events).where(eq(events.kind, 'auth'));
    expect(refusals.every((e) => !e.message.includes('5550777'))).toBe(true);
  });

  it('GIVEN getUpdates fails THEN the bot reports itself disconnected until polling succeeds again', async () => {
    // The long poll in flight has passed the failure check; the one after the next update fails.
    await h.fake.waitFor(() => h.fake.callsOf('getUpdates').length > 0 && h.bot.isConnected());
    h.fake.failNext('getUpdates', 1, 429, {
      description: 'Too Many Requests',
      parameters: { retry_after: 2 },
    });
    h.fake.sendFromUser(OWNER, { text: '/help' });
    await h.fake.waitFor(() => !h.bot.isConnected());
    // The next long poll that answers (here: with the owner's message) shows Telegram is back.
    expect((await h.say('/help')).replies).toHaveLength(1);
    expect(h.bot.isConnected()).toBe(true);
  });

  it('GIVEN everything above THEN the bot token never appeared in a log line', () => {
    expect(h.app.logs.lines.length).toBeGreaterThan(10);
    expect(h.app.logs.text).not.toContain(h.fake.token);
    expect(h.app.logs.text).not.toContain(h.fake.token.split(':')[1]);
  });
});
