import { type ChatProgress, chatProgress } from '../shared/chat-progress.js';
import { type BotApi, isNotModified } from './bot-api.js';
import { escapeHtml } from './html.js';

interface WarnLog {
  warn(obj: object, msg: string): void;
}

/**
 * A long command's progress in its Telegram chat: one message of its own, posted at the first update
 * and edited after. The report then comes as a new message, so Telegram notifies that it is done
 * (an edit would not), and the progress message is left reading 100 %. No 429 is waited out here:
 * a refused edit is skipped and the next one carries the newer state.
 */
export function telegramProgress(api: BotApi, chatId: string, log: WarnLog): ChatProgress {
  let messageId: number | undefined;
  return chatProgress({
    log,
    async show(text) {
      const html = escapeHtml(text);
      if (messageId === undefined) {
        messageId = await api.sendMessage(chatId, html);
        return;
      }
      try {
        await api.editMessageText(chatId, messageId, html);
      } catch (err) {
        if (!isNotModified(err)) throw err;
      }
    },
  });
}
