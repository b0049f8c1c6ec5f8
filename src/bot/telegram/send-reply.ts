import { drawChartPng } from '../../charts/draw.js';
import type { PartsSent } from '../../delivery/types.js';
import type { Reply } from '../../reply/reply.js';
import { discardReplyFiles } from '../shared/reply-files.js';
import { type BotApi, BotApiError, isMessageGone, isNotModified, type Keyboard } from './bot-api.js';
import type { ButtonStore } from './button-store.js';
import { type Outgoing, renderReply } from './render.js';

interface WarnLog {
  warn(obj: object, msg: string): void;
}

const quiet: WarnLog = { warn() {} };

export interface SendOptions {
  /** Edit this message when the reply renders as one text message (progress, page buttons). */
  replaceMessageId?: number;
  /** Wait out 429s on the first part too (command replies); the delivery queue waits on its own. */
  waitOnRateLimit?: boolean;
  /** Parts already sent by an earlier attempt of the same delivery: skipped, and progress recorded. */
  parts?: PartsSent;
  log?: WarnLog;
}

/**
 * Sends a rendered Reply and returns the id of its first message (the one a progress edit targets).
 * Buttons go on the last message. An edit whose message is gone falls back to a new message.
 */
export async function sendReply(
  api: BotApi,
  buttons: ButtonStore,
  chatId: string,
  r: Reply,
  options: SendOptions = {},
): Promise<number> {
  try {
    return await sendRendered(api, buttons, chatId, r, options);
  } finally {
    // A file block's temporary file (an export) is sent once: deleted whether or not that worked.
    await discardReplyFiles(r);
  }
}

async function sendRendered(
  api: BotApi,
  buttons: ButtonStore,
  chatId: string,
  r: Reply,
  options: SendOptions,
): Promise<number> {
  const log = options.log ?? quiet;
  const outgoing = renderReply(r);
  const keyboard = await buttons.keyboard(r.buttons);
  const call = <T>(fn: () => Promise<T>) => (options.waitOnRateLimit ? withRateLimitRetry(fn, log) : fn());
  const only = outgoing.length === 1 ? outgoing[0] : undefined;
  const replace = options.replaceMessageId;
  if (replace !== undefined && only?.kind === 'text') {
    try {
      await call(() => api.editMessageText(chatId, replace, only.html, keyboard));
      return replace;
    } catch (err) {
      if (isNotModified(err)) return replace;
      if (!isMessageGone(err)) throw err;
    }
  }
  const parts = outgoing.length > 1 ? options.parts : undefined;
  let first: number | undefined = parts?.firstId === undefined ? undefined : Number(parts.firstId);
  for (const [i, o] of outgoing.entries()) {
    if (parts && i < parts.done) continue;
    const send = () => sendOne(api, chatId, o, i === outgoing.length - 1 ? keyboard : undefined);
    // Once a part is out, a caller's retry would send it twice: later parts wait out a 429 here.
    const id = first === undefined ? await call(send) : await withRateLimitRetry(send, log);
    first ??= id;
    await parts?.record(i + 1, String(first));
  }
  return first as number;
}

async function sendOne(
  api: BotApi,
  chatId: string,
  o: Outgoing,
  keyboard: Keyboard | undefined,
): Promise<number> {
  if (o.kind === 'text') return api.sendMessage(chatId, o.html, keyboard);
  if (o.kind === 'photo') {
    // Drawn at sending, not rendering: the Reply (a digest from the outbox) carries only the numbers.
    const content = await drawChartPng(o.chart);
    return api.sendPhoto(chatId, { fileName: o.fileName, content }, o.captionHtml, keyboard);
  }
  return api.sendDocument(
    chatId,
    o.path
      ? { fileName: o.fileName, path: o.path }
      : { fileName: o.fileName, content: Buffer.from(o.content, 'utf8') },
    o.captionHtml,
    keyboard,
  );
}

/**
 * Command replies are answered right away, not through the delivery queue, so a 429 here waits the
 * time Telegram asks for (within reason) and tries again instead of dropping the reply.
 */
export async function withRateLimitRetry<T>(fn: () => Promise<T>, log: WarnLog, maxWaitS = 30): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = err instanceof BotApiError && err.status === 429 ? (err.retryAfterS ?? 1) : undefined;
      if (wait === undefined || wait > maxWaitS || attempt >= 3) throw err;
      log.warn({ retryAfterS: wait }, 'telegram rate limit; waiting as told');
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  }
}
