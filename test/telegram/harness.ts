import { telegramDeps } from '../../src/app/bot-role.js';
import type { CommandServices } from '../../src/bot/commands/types.js';
import { startTelegram, type TelegramFrontEnd, type TelegramOptions } from '../../src/bot/telegram/index.js';
import { createProgressMessages } from '../../src/delivery/progress.js';
import { type BotMessage, type FakeDocument, FakeTelegram } from '../fakes/fake-telegram.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

export const OWNER = 5550001;
export const STRANGER = 5550999;

/** The real bot (startTelegram) on its own database and Redis prefix, talking to a fake Bot API. */
export interface BotHarness {
  app: TestApp;
  fake: FakeTelegram;
  bot: TelegramFrontEnd;
  /** Sends a message as a user and waits for `expect` new bot messages in that chat. */
  say(
    text: string | undefined,
    options?: { from?: number; document?: FakeDocument; caption?: string; replyTo?: number; expect?: number },
  ): Promise<{ sent: { messageId: number; chatId: number }; replies: BotMessage[] }>;
  close(): Promise<void>;
}

export async function startBotHarness(
  services: CommandServices | ((app: TestApp) => CommandServices) = {},
  env: Record<string, string> = {},
  options: TelegramOptions = {},
) {
  const fake = await FakeTelegram.start();
  const app = await createTestApp({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_OWNER_IDS: String(OWNER),
    TELEGRAM_API_ROOT: fake.apiRoot,
    ...env,
  });
  const progress = createProgressMessages(app);
  const deps = telegramDeps(app, typeof services === 'function' ? services(app) : services, progress);
  if (!deps) throw new Error('the harness sets TELEGRAM_BOT_TOKEN');
  const bot = await startTelegram(deps, options);
  const harness: BotHarness = {
    app,
    fake,
    bot,
    async say(text, options = {}) {
      const from = options.from ?? OWNER;
      const before = fake.messagesTo(from).length;
      const sent = fake.sendFromUser(from, {
        ...(text !== undefined ? { text } : {}),
        ...(options.caption !== undefined ? { caption: options.caption } : {}),
        ...(options.document ? { document: options.document } : {}),
        ...(options.replyTo !== undefined ? { replyTo: options.replyTo } : {}),
      });
      const want = options.expect ?? 1;
      const replies = await fake.waitFor(() => {
        const all = fake.messagesTo(from).slice(before);
        return all.length >= want ? all : undefined;
      });
      return { sent, replies };
    },
    async close() {
      await bot.stop();
      await progress.close();
      await fake.stop();
      await app.destroy();
    },
  };
  return harness;
}

/** The visible text of a bot message (last edit if edited), HTML tags removed and entities decoded. */
export function visible(m: BotMessage | undefined): string {
  const html = m?.edits.at(-1) ?? m?.text ?? m?.caption ?? '';
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Polls an async condition (database state) until it holds. */
export async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
