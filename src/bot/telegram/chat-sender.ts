import {
  ChatMovedError,
  type ChatSender,
  PermanentDeliveryError,
  RetryAfterError,
  type SendOptions,
} from '../../delivery/types.js';
import type { Reply } from '../../reply/reply.js';
import { type BotApi, BotApiError } from './bot-api.js';
import type { ButtonStore } from './button-store.js';
import { sendReply } from './send-reply.js';

/** Maps a Bot API refusal onto what the delivery queue does with it. */
export function toDeliveryError(err: unknown): Error {
  if (!(err instanceof BotApiError)) return err instanceof Error ? err : new Error(String(err));
  if (err.status === 429) return new RetryAfterError(err.message, (err.retryAfterS ?? 5) * 1000);
  if (err.migrateToChatId !== undefined) return new ChatMovedError(err.message, String(err.migrateToChatId));
  if (
    err.status === 403 ||
    (err.status === 400 && /chat not found|user not found|bot was kicked/i.test(err.description))
  )
    return new PermanentDeliveryError(err.message, err.status);
  // 5xx and anything else: a plain error, retried with backoff by the queue.
  return new Error(err.message);
}

/** The delivery queue's view of Telegram: digests, batch summaries and progress edits. */
export function telegramChatSender(
  api: BotApi,
  buttons: ButtonStore,
  log: { warn(obj: object, msg: string): void },
): ChatSender {
  return {
    platform: 'telegram',
    async send(chatId: string, r: Reply, options: SendOptions = {}): Promise<string> {
      const replace = options.replaceMessageId === undefined ? undefined : Number(options.replaceMessageId);
      try {
        const id = await sendReply(api, buttons, chatId, r, {
          log,
          ...(replace !== undefined && Number.isInteger(replace) ? { replaceMessageId: replace } : {}),
          ...(options.parts ? { parts: options.parts } : {}),
        });
        return String(id);
      } catch (err) {
        throw toDeliveryError(err);
      }
    },
  };
}
