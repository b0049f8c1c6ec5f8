import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHealthChecks } from '../../src/app/health-checks.js';
import { type HttpServerHandle, startHttpServer } from '../../src/http/server.js';
import { type BotHarness, OWNER, STRANGER, startBotHarness, visible } from './harness.js';

const SECRET = 'Secret7xQ';
/** Long enough for the bot to act on an update, short enough that a missing action fails fast. */
const PROMPTLY_MS = 3_000;

/** Everything the bot ever wrote to any chat (texts, edits, captions, files). */
function everythingTheBotSaid(h: BotHarness): string {
  return h.fake.botMessages
    .map((m) => [m.text ?? '', ...m.edits, m.caption ?? '', m.document?.content ?? ''].join('\n'))
    .join('\n');
}

/**
 * The owner's typo in a group is always answered, after everything queued before it in that chat:
 * once it is, every earlier update of the chat has been handled.
 */
async function drainGroup(h: BotHarness, group: number): Promise<void> {
  const before = h.fake.messagesTo(group).length;
  h.fake.sendFromUser(OWNER, { chatId: group, text: '/frobnicate' });
  await h.fake.waitFor(() =>
    h.fake
      .messagesTo(group)
      .slice(before)
      .find((m) => visible(m).includes('Unknown command /frobnicate')),
  );
}

describe('never lose #14.1: credentials are deleted as they arrive, not when their turn comes', () => {
  let h: BotHarness;
  /** Each `/proxy test` runs until the test lets it finish: the chat stays busy meanwhile. */
  const running: Array<() => void> = [];
  let testFinished = false;
  const finishTests = () => {
    for (const finish of running.splice(0)) finish();
  };
  beforeAll(async () => {
    h = await startBotHarness({
      testProxies: () =>
        new Promise((resolve) => {
          testFinished = false;
          running.push(() => {
            testFinished = true;
            resolve({
              instagramUrl: 'https://www.instagram.com',
              testedFrom: 'test',
              budget: 'none',
              results: [],
            });
          });
        }),
    });
  });
  // A failed test must not leave the chat busy for the next one.
  afterEach(finishTests);
  afterAll(async () => {
    await h?.close();
  });

  const busyWithSlowCommand = async () => {
    h.fake.sendFromUser(OWNER, { text: '/proxy test' });
    await h.fake.waitFor(() => running.length > 0);
  };
  const deleted = (messageId: number, timeoutMs = PROMPTLY_MS) =>
    h.fake.waitFor(() => h.fake.deletedUserMessages.find((d) => d.messageId === messageId), timeoutMs);

  it('GIVEN the chat is busy with a slow command WHEN the owner sends /proxy add with a password THEN it is deleted before the slow command finishes', async () => {
    await busyWithSlowCommand();
    const before = h.fake.messagesTo(OWNER).length;
    const sent = h.fake.sendFromUser(OWNER, { text: `/proxy add 1.2.3.4:8080:u:${SECRET}` });
    await deleted(sent.messageId);
    expect(testFinished).toBe(false);

    finishTests();
    const replies = await h.fake.waitFor(() => {
      const all = h.fake.messagesTo(OWNER).slice(before);
      return all.length >= 2 ? all : undefined;
    });
    // The chat's order is kept: the slow command answers first, then the proxy is added.
    expect(visible(replies[0])).toContain('No proxies to test.');
    expect(visible(replies[1])).toContain('Added 1');
    expect(visible(replies[1])).not.toContain('please delete it yourself');
    expect(
      h.fake.callsOf('deleteMessage').filter((c) => Number(c.params.message_id) === sent.messageId),
    ).toHaveLength(1);
    expect(everythingTheBotSaid(h)).not.toContain(SECRET);
    expect(h.app.logs.text).not.toContain(SECRET);
  });

  it('GIVEN Telegram refuses the early deletion THEN the owner is told to delete it once the command runs, and it is not tried again', async () => {
    await busyWithSlowCommand();
    h.fake.failNext('deleteMessage', 1, 400, { description: "Bad Request: message can't be deleted" });
    const before = h.fake.messagesTo(OWNER).length;
    const sent = h.fake.sendFromUser(OWNER, { text: `/proxy add 1.2.3.5:8080:u:${SECRET}` });
    await h.fake.waitFor(
      () => h.fake.callsOf('deleteMessage').find((c) => Number(c.params.message_id) === sent.messageId),
      PROMPTLY_MS,
    );
    finishTests();
    const replies = await h.fake.waitFor(() => {
      const all = h.fake.messagesTo(OWNER).slice(before);
      return all.length >= 2 ? all : undefined;
    });
    expect(visible(replies[1])).toContain('Added 1');
    expect(visible(replies[1])).toContain('please delete it yourself');
    expect(
      h.fake.callsOf('deleteMessage').filter((c) => Number(c.params.message_id) === sent.messageId),
    ).toHaveLength(1);
    expect(everythingTheBotSaid(h)).not.toContain(SECRET);
    expect(h.app.logs.text).not.toContain(SECRET);
  });

  it('GIVEN a stranger posts credentials in a group THEN each message is deleted and the stranger gets at most the one refusal', async () => {
    const group = -100141001;
    const plain = h.fake.sendFromUser(STRANGER, { chatId: group, text: `try 1.2.3.4:8080:u:${SECRET}` });
    const command = h.fake.sendFromUser(STRANGER, {
      chatId: group,
      text: `/proxy add 1.2.3.4:8080:u:${SECRET}`,
    });
    const again = h.fake.sendFromUser(STRANGER, {
      chatId: group,
      text: `/proxy add 1.2.3.6:8080:u:${SECRET}`,
    });
    await drainGroup(h, group);

    for (const m of [plain, command, again]) await deleted(m.messageId);
    const refusals = h.fake.messagesTo(group).filter((m) => visible(m).includes('This bot is private'));
    expect(refusals.length).toBeLessThanOrEqual(1);
    // Nothing else was said in the group but the answer to the owner's own typo.
    expect(h.fake.messagesTo(group)).toHaveLength(refusals.length + 1);
    expect(everythingTheBotSaid(h)).not.toContain(SECRET);
    expect(h.app.logs.text).not.toContain(SECRET);
  });
});

describe('never lose #14.15: anonymous admins and channels are answered once per chat per hour', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const anonymousAnswers = (group: number) =>
    h.fake.messagesTo(group).filter((m) => visible(m).includes('Remain anonymous'));

  it('GIVEN an anonymous admin sends commands again and again THEN the group gets one answer', async () => {
    const group = -100141501;
    for (let i = 0; i < 4; i++)
      h.fake.sendFromUser(1087968824, { chatId: group, text: '/niche list', asGroup: true });
    await drainGroup(h, group);
    expect(anonymousAnswers(group)).toHaveLength(1);
    expect(h.fake.messagesTo(group)).toHaveLength(2);
  });

  it('GIVEN posts sent as a channel THEN each group gets one answer, and credentials in them are still deleted', async () => {
    const [groupA, groupB, channel] = [-100141502, -100141503, -100141599];
    const sent = [1, 2, 3].map(() =>
      h.fake.sendFromUser(1, {
        chatId: groupA,
        asChannel: channel,
        text: `/proxy add 1.2.3.4:8080:u:${SECRET}`,
      }),
    );
    h.fake.sendFromUser(1, { chatId: groupB, asChannel: channel, text: '/help' });
    await drainGroup(h, groupA);
    await drainGroup(h, groupB);

    expect(anonymousAnswers(groupA)).toHaveLength(1);
    expect(anonymousAnswers(groupB)).toHaveLength(1);
    for (const m of sent)
      expect(h.fake.deletedUserMessages).toContainEqual({ chatId: groupA, messageId: m.messageId });
    expect(everythingTheBotSaid(h)).not.toContain(SECRET);
    expect(h.app.logs.text).not.toContain(SECRET);
  });
});

describe('never lose #14.16: webhook mode reports Telegram-side failures and accepts a URL with a query', () => {
  let h: BotHarness;
  let http: HttpServerHandle;
  let health: ReturnType<typeof createHealthChecks>;
  let secret: string;
  beforeAll(async () => {
    h = await startBotHarness(
      {},
      { TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg/hook?x=1' },
      { webhookCheckMs: 50 },
    );
    secret = String(h.fake.callsOf('setWebhook')[0]?.params.secret_token);
    health = createHealthChecks(h.app, {
      bots: () => [{ platform: 'telegram', connected: h.bot.isConnected() }],
      startedAt: new Date(),
    });
    // The service's own HTTP server, serving the bot's webhook route beside /healthz.
    http = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      log: h.app.log,
      health: () => health.checks(),
      metrics: new Registry(),
      routes: () => (h.bot.webhookRoute ? [h.bot.webhookRoute] : []),
    });
  });
  afterAll(async () => {
    await http?.stop();
    await health?.close();
    await h?.close();
  });

  const base = () => `http://127.0.0.1:${http.port}`;
  const post = (text: string, id: number, token: string) =>
    fetch(`${base()}/tg/hook?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': token },
      body: JSON.stringify({
        update_id: id,
        message: {
          message_id: 9000 + id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: OWNER, type: 'private' },
          from: { id: OWNER, first_name: 'owner' },
          text,
        },
      }),
    });
  const telegramHealth = async () => {
    const res = await fetch(`${base()}/healthz`);
    const body = (await res.json()) as { failing: string[] };
    return { status: res.status, telegramFailing: body.failing.includes('telegram') };
  };
  const waitForConnected = (want: boolean) => h.fake.waitFor(() => h.bot.isConnected() === want, PROMPTLY_MS);

  it('GIVEN TELEGRAM_WEBHOOK_URL has a query string THEN Telegram’s signed call to that URL is answered', async () => {
    expect(h.fake.callsOf('setWebhook')[0]?.params.url).toBe('https://bot.example.com/tg/hook?x=1');
    const res = await post('/frobnicate', 1, secret);
    expect(res.status).toBe(200);
    const answer = await h.fake.waitFor(() => h.fake.messagesTo(OWNER)[0], PROMPTLY_MS);
    expect(visible(answer)).toContain('Unknown command /frobnicate');
  });

  it('GIVEN a call to that URL without the secret THEN it is still refused with 403 and nothing runs', async () => {
    const before = h.fake.botMessages.length;
    const res = await post('/help', 2, 'wrong');
    expect(res.status).toBe(403);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.fake.botMessages.length).toBe(before);
  });

  it('GIVEN Telegram reports a recent failed delivery THEN /healthz fails for telegram until that error is old', async () => {
    await waitForConnected(true);
    h.fake.webhookError = { date: Math.floor(Date.now() / 1000), message: 'Connection refused' };
    await waitForConnected(false);
    expect(await telegramHealth()).toEqual({ status: 503, telegramFailing: true });

    h.fake.webhookError = { date: Math.floor(Date.now() / 1000) - 3600, message: 'Connection refused' };
    await waitForConnected(true);
    expect(await telegramHealth()).toEqual({ status: 200, telegramFailing: false });
  });

  it('GIVEN getWebhookInfo fails THEN the bot reports disconnected, and connected once it answers again', async () => {
    h.fake.webhookError = undefined;
    await waitForConnected(true);
    h.fake.failNext('getWebhookInfo', 5, 502, { description: 'Bad Gateway' });
    await waitForConnected(false);
    await waitForConnected(true);
  });
});
