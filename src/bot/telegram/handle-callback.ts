import type { Logger } from '../../core/logger.js';
import { reply } from '../../reply/reply.js';
import { dispatch, type Invocation } from '../commands/dispatch.js';
import { EXPIRED_BUTTON, pressedInvocation } from '../shared/button-press.js';
import { chatActor, commandContext } from '../shared/command-context.js';
import { internalFailure } from '../shared/internal-failure.js';
import { sendReply } from './send-reply.js';
import type { TgCallbackQuery, UpdateDeps } from './update-types.js';

/** A button press that was answered and is waiting its turn in the chat's queue. */
export interface AcceptedPress {
  invocation: Invocation;
  userId: string;
  chatId: string;
  messageId?: number;
}

/**
 * Answers a button press at once, outside the chat's queue: Telegram shows a spinner until then and
 * refuses answers that come a few seconds late, and the chat may be busy with an import. A refused
 * answer only costs the spinner, so it never stops the press from running.
 */
export async function acceptCallback(
  deps: UpdateDeps,
  cq: TgCallbackQuery,
  log: Logger,
): Promise<AcceptedPress | undefined> {
  const userId = String(cq.from.id);
  const chatId = cq.message ? String(cq.message.chat.id) : userId;
  const answer = (text?: string) =>
    deps.api.answerCallbackQuery(cq.id, text).catch((err: unknown) => {
      log.info({ err }, 'button answer refused');
    });
  if (!deps.gate.isOwner(userId)) {
    await deps.gate.firstRefusal(userId);
    await deps.gate.refuse({ userId, chatId, what: 'a button' });
    await answer('This bot is private.');
    return undefined;
  }
  const invocation = pressedInvocation(cq.data ? await deps.buttons.resolve(cq.data) : undefined);
  if (!invocation) {
    await answer(EXPIRED_BUTTON);
    return undefined;
  }
  await answer();
  return { invocation, userId, chatId, ...(cq.message ? { messageId: cq.message.message_id } : {}) };
}

export async function runCallback(deps: UpdateDeps, press: AcceptedPress, log: Logger): Promise<void> {
  const ctx = commandContext(deps, chatActor('telegram', press.userId, press.chatId), log);
  const result = await dispatch(press.invocation, ctx);
  // Page buttons turn the page in place rather than piling up messages.
  const replace = press.messageId === undefined ? {} : { replaceMessageId: press.messageId };
  await sendReply(deps.api, deps.buttons, press.chatId, result, { ...replace, waitOnRateLimit: true, log });
}

/** Last resort for a failure outside dispatch (Telegram unreachable, Redis down): log, and try to say so. */
export async function reportFailure(
  deps: Pick<UpdateDeps, 'api' | 'buttons'>,
  chatId: string | undefined,
  err: unknown,
  log: Logger,
): Promise<void> {
  const { text } = internalFailure(log, err, 'telegram update failed');
  if (!chatId) return;
  await sendReply(deps.api, deps.buttons, chatId, reply.error(text)).catch(() => undefined);
}
