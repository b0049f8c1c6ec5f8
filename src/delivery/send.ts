import { moveChat } from '../core/delivery-targets.js';
import { recordEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { DeliveryWorkerContext } from './job-context.js';
import { jobIdFor } from './producer.js';
import { MESSAGE_REF_TTL_S } from './progress.js';
import { ChatMovedError, type ChatSender, type Delivery, type PartsSent, type SendOptions } from './types.js';

/** Where a reply in several messages got to in this chat, kept across the job's retries. */
async function partsSent(ctx: DeliveryWorkerContext, d: Delivery, chatId: string): Promise<PartsSent> {
  const key = `${ctx.deps.queuePrefix}:parts:${jobIdFor(d.dedupeKey)}:${chatId}`;
  const [done, firstId] = await ctx.redis.hmget(key, 'done', 'firstId');
  return {
    done: Number(done ?? 0),
    ...(firstId ? { firstId } : {}),
    record: async (n, id) => {
      await ctx.redis.hset(key, 'done', n, 'firstId', id);
      await ctx.redis.expire(key, MESSAGE_REF_TTL_S);
    },
  };
}

/** An edit replaces the known message; a progress reply without one is posted whole; anything else in parts. */
async function sendOptions(
  ctx: DeliveryWorkerContext,
  d: Delivery,
  chatId: string,
  replaceMessageId: string | undefined,
): Promise<SendOptions> {
  if (replaceMessageId) return { replaceMessageId };
  if (d.replaceKey) return {};
  return { parts: await partsSent(ctx, d, chatId) };
}

/** Telegram names the new id once, in its refusal: follow it now, or the chat is lost for good. */
async function followMovedChat(
  ctx: DeliveryWorkerContext,
  d: Delivery,
  newChatId: string,
  log: Logger,
): Promise<void> {
  const moved = await moveChat(ctx.deps.core, d.target, newChatId);
  if (moved.changed) {
    await recordEvent(ctx.deps.core, {
      kind: 'delivery',
      message: `${d.target.platform} chat ${d.target.chatId} is now ${newChatId} (group upgraded); its digest and batches follow it`,
      data: { platform: d.target.platform, chatId: d.target.chatId, newChatId },
    });
  }
  log.info({ newChatId }, 'chat moved; sending to its new id');
}

/** Sends (or edits) in the target chat; if the chat moved, follows it and posts there afresh. */
export async function sendFollowingMove(
  ctx: DeliveryWorkerContext,
  d: Delivery,
  sender: ChatSender,
  replaceMessageId: string | undefined,
  log: Logger,
): Promise<string> {
  try {
    return await sender.send(
      d.target.chatId,
      d.reply,
      await sendOptions(ctx, d, d.target.chatId, replaceMessageId),
    );
  } catch (err) {
    if (!(err instanceof ChatMovedError)) throw err;
    await followMovedChat(ctx, d, err.newChatId, log);
    // A message id of the old chat means nothing in the new one.
    return sender.send(err.newChatId, d.reply, await sendOptions(ctx, d, err.newChatId, undefined));
  }
}
