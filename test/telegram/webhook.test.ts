import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, OWNER, startBotHarness, visible } from './harness.js';

describe('Telegram webhook mode (TELEGRAM_WEBHOOK_URL)', () => {
  let h: BotHarness;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    h = await startBotHarness({}, { TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram/hook' });
    const route = h.bot.webhookRoute;
    if (!route) throw new Error('no webhook route');
    // Stands in for the service's HTTP server, which serves the route on HTTP_PORT.
    server = createServer((req, res) => {
      if ((req.url ?? '').split('?')[0] === route.path) void route.handle(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${route.path}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await h?.close();
  });

  const update = (id: number, text: string) => ({
    update_id: id,
    message: {
      message_id: 7000 + id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: OWNER, type: 'private' },
      from: { id: OWNER, first_name: 'owner' },
      text,
    },
  });

  it('GIVEN webhook mode THEN the webhook is set with a secret token and nothing polls', async () => {
    const [call] = h.fake.callsOf('setWebhook');
    expect(call?.params.url).toBe('https://bot.example.com/telegram/hook');
    expect(String(call?.params.secret_token)).toMatch(/^[0-9a-f]{64}$/);
    expect(h.fake.callsOf('getUpdates')).toHaveLength(0);
    expect(h.bot.webhookRoute?.path).toBe('/telegram/hook');
  });

  it('GIVEN an update posted with the secret THEN the command is answered', async () => {
    const secret = String(h.fake.callsOf('setWebhook')[0]?.params.secret_token);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify(update(1, '/frobnicate')),
    });
    expect(res.status).toBe(200);
    const reply = await h.fake.waitFor(() => h.fake.messagesTo(OWNER)[0]);
    expect(visible(reply)).toContain('Unknown command /frobnicate');
  });

  it('GIVEN a post without the secret THEN it is refused with 403 and nothing runs', async () => {
    const before = h.fake.botMessages.length;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' },
      body: JSON.stringify(update(2, '/help')),
    });
    expect(res.status).toBe(403);
    expect(h.fake.botMessages.length).toBe(before);
  });
});
