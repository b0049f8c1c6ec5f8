import type { Telegram } from 'telegraf';
import { TelegramError } from 'telegraf';
import { maskSecrets } from '../../core/mask.js';
import { type BotApi, BotApiError, type Keyboard } from './bot-api.js';

function markup(keyboard?: Keyboard) {
  if (!keyboard || keyboard.length === 0) return {};
  return {
    reply_markup: {
      inline_keyboard: keyboard.map((row) =>
        row.map((b) => ({ text: b.text, callback_data: b.callbackData })),
      ),
    },
  };
}

/** Converts telegraf's errors into BotApiError, masking the token telegraf may put in a message. */
async function call<T>(token: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TelegramError) {
      throw new BotApiError(
        err.code,
        maskSecrets(err.description ?? err.message, [token]),
        err.parameters?.retry_after,
        err.parameters?.migrate_to_chat_id,
      );
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`Telegram unreachable: ${maskSecrets(message, [token])}`);
  }
}

export function telegrafApi(telegram: Telegram): BotApi {
  const token = telegram.token;
  return {
    sendMessage: (chatId, html, keyboard) =>
      call(token, async () => {
        const m = await telegram.sendMessage(chatId, html, {
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          ...markup(keyboard),
        });
        return m.message_id;
      }),
    sendDocument: (chatId, doc, captionHtml, keyboard) =>
      call(token, async () => {
        const m = await telegram.sendDocument(
          chatId,
          'path' in doc
            ? { source: doc.path, filename: doc.fileName }
            : { source: doc.content, filename: doc.fileName },
          {
            ...(captionHtml ? { caption: captionHtml, parse_mode: 'HTML' as const } : {}),
            ...markup(keyboard),
          },
        );
        return m.message_id;
      }),
    sendPhoto: (chatId, photo, captionHtml, keyboard) =>
      call(token, async () => {
        const m = await telegram.sendPhoto(
          chatId,
          { source: photo.content, filename: photo.fileName },
          {
            ...(captionHtml ? { caption: captionHtml, parse_mode: 'HTML' as const } : {}),
            ...markup(keyboard),
          },
        );
        return m.message_id;
      }),
    editMessageText: (chatId, messageId, html, keyboard) =>
      call(token, async () => {
        await telegram.editMessageText(chatId, messageId, undefined, html, {
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          ...markup(keyboard),
        });
      }),
    deleteMessage: (chatId, messageId) =>
      call(token, async () => {
        await telegram.deleteMessage(chatId, messageId);
      }),
    answerCallbackQuery: (id, text) =>
      call(token, async () => {
        await telegram.answerCbQuery(id, text);
      }),
    fileUrl: (fileId) =>
      call(token, async () => {
        const url = await telegram.getFileLink(fileId);
        return url.toString();
      }),
  };
}
