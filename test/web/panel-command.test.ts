import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/bot/commands/dispatch.js';
import { findCommand } from '../../src/bot/commands/registry.js';
import type { Actor } from '../../src/bot/commands/types.js';
import { redeemLoginToken } from '../../src/core/panel/index.js';
import { type BotHarness, startBotHarness, visible } from '../telegram/harness.js';

const opened: BotHarness[] = [];
afterAll(async () => {
  for (const h of opened) await h.close();
});

async function bot(panelUrl?: string): Promise<BotHarness> {
  const h = await startBotHarness(panelUrl ? { panelUrl } : {});
  opened.push(h);
  return h;
}

describe('the panel command and the Telegram menu button', () => {
  it('with an https panel, the bot opens the panel from its menu button and /panel answers a working link', async () => {
    const h = await bot('https://panel.example.com');
    const [call] = h.fake.callsOf('setChatMenuButton');
    const button =
      typeof call?.params.menu_button === 'string'
        ? JSON.parse(call.params.menu_button)
        : call?.params.menu_button;
    expect(button).toEqual({
      type: 'web_app',
      text: 'Panel',
      web_app: { url: 'https://panel.example.com/panel/tg' },
    });

    const { replies } = await h.say('/panel');
    const text = visible(replies[0]);
    const token = /https:\/\/panel\.example\.com\/panel\/login\?token=([A-Za-z0-9_-]{43})/.exec(text)?.[1];
    expect(token, text).toBeDefined();
    expect(text).toContain('works once, for 10 minutes');
    await expect(redeemLoginToken(h.app.core, token!)).resolves.toMatchObject({
      ok: true,
      user: { platform: 'telegram' },
    });
    await expect(redeemLoginToken(h.app.core, token!)).resolves.toEqual({ ok: false, reason: 'used' });
  });

  it('over plain http the menu button is left alone; without an address the command says what to set', async () => {
    const h = await bot('http://127.0.0.1:8080');
    expect(h.fake.callsOf('setChatMenuButton')).toEqual([]);

    const found = findCommand(['panel'])!;
    const discord: Actor = {
      platform: 'discord',
      userId: '42',
      chatId: '900',
      commandPrefix: '/',
      seesProgress: true,
    };
    const answered = await dispatch(
      { command: found.command, values: {} },
      { core: h.app.core, actor: discord, services: { panelUrl: 'http://127.0.0.1:8080' } },
    );
    expect(answered.ephemeral).toBe(true);
    const none = await dispatch(
      { command: found.command, values: {} },
      { core: h.app.core, actor: discord, services: {} },
    );
    expect(none.blocks[0]).toMatchObject({ tone: 'error' });
    expect(JSON.stringify(none.blocks)).toContain('HTTP_PORT');
  });
});
