import type { Telegraf } from 'telegraf';
import type { Logger } from '../../core/logger.js';

/**
 * Telegram opens Mini Apps only from https addresses: with an https panel URL the bot's menu button
 * (left of the message box) opens the panel inside Telegram; otherwise the button is left as it is.
 * A refusal is logged, never fatal: the chat works without the button.
 */
export async function setPanelMenuButton(
  telegram: Telegraf['telegram'],
  panelUrl: string | undefined,
  log: Logger,
): Promise<void> {
  if (!panelUrl?.startsWith('https://')) return;
  try {
    await telegram.setChatMenuButton({
      menuButton: { type: 'web_app', text: 'Panel', web_app: { url: `${panelUrl}/panel/tg` } },
    });
    log.info({ url: `${panelUrl}/panel/tg` }, 'telegram menu button opens the web panel');
  } catch (err) {
    log.warn({ err }, 'telegram menu button not set (the panel is still reachable by `panel` links)');
  }
}
