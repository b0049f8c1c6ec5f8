import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../app/context.js';
import type { Logger } from '../../core/logger.js';
import { containsCredentials, maskSecrets } from '../../core/mask.js';
import { rememberProgressMessage } from '../../delivery/queue.js';
import { type Reply, reply, textBlock } from '../../reply/reply.js';
import { dispatch, type Invocation } from '../commands/dispatch.js';
import { parseWords, splitWords, usageLine } from '../commands/parse-words.js';
import { findCommand } from '../commands/registry.js';
import type { AnyCommand, CommandContext, CommandServices } from '../commands/types.js';
import type { BotApi } from './bot-api.js';
import type { ButtonStore } from './button-store.js';
import { refuseDocument, type TelegramDocument, telegramFile } from './incoming-file.js';
import type { OwnerGate } from './owner-gate.js';
import { type Resolution, resolveCommand } from './resolve-command.js';
import { sendReply } from './send-reply.js';

/** The parts of a Bot API message we read (plain Bot API JSON, whatever client library delivers it). */
export interface TgMessage {
  message_id: number;
  chat: { id: number; type: string };
  from?: { id: number };
  /** Set when a group admin posts anonymously (as the group) or a channel posts: no user to check. */
  sender_chat?: { id: number };
  text?: string;
  caption?: string;
  document?: TelegramDocument;
  reply_to_message?: TgMessage;
}

export interface TgCallbackQuery {
  id: string;
  from: { id: number };
  data?: string;
  message?: { message_id: number; chat: { id: number } };
}

export interface UpdateDeps {
  app: AppContext;
  services: CommandServices;
  api: BotApi;
  buttons: ButtonStore;
  gate: OwnerGate;
  botUsername: string;
}

const REFUSAL = 'This bot is private. Your attempt was logged; you will not get another answer.';
/** The user Telegram puts in `from` for a group admin who posts as the group ("Remain anonymous"). */
const ANONYMOUS_ADMIN_ID = '1087968824';
const ANONYMOUS_REFUSAL =
  'Commands sent anonymously (as the group) cannot be checked against the owner list. Turn off "Remain anonymous" in your admin rights, or send the command in a private chat with the bot.';

/**
 * What became of a message carrying credentials before its turn in the chat's queue came: the
 * middleware deletes it on arrival (see deleteCredentials), so handleMessage only reports a failure.
 */
export type SourceDeletion = 'none' | 'deleted' | 'failed';

const UNDELETED_NOTE = textBlock(
  'I could not delete your message, and it contains credentials: please delete it yourself.',
  'warning',
);

export async function handleMessage(
  deps: UpdateDeps,
  msg: TgMessage,
  log: Logger,
  source: SourceDeletion,
): Promise<void> {
  const chatId = String(msg.chat.id);
  const userId = msg.from ? String(msg.from.id) : undefined;
  if (!userId) return;
  const words = splitWords(messageText(msg));
  const send = (r: Reply) => sendReply(deps.api, deps.buttons, chatId, r, { waitOnRateLimit: true, log });

  const resolution = resolveCommand(words, deps.botUsername);
  if (notForUs(resolution, msg, deps.gate.isOwner(userId))) {
    // Silence suits talk that is not for us, but not the owner's own credentials left in the chat.
    if (source === 'failed' && deps.gate.isOwner(userId)) await send(reply.of([UNDELETED_NOTE]));
    return;
  }
  if (msg.sender_chat || userId === ANONYMOUS_ADMIN_ID) {
    // Telegram hides who an anonymous admin is, so the owner check cannot pass; say why, log nothing.
    // Once per chat per hour: anyone posting as a channel could otherwise make the bot flood the
    // group into 429s that stall the chat's queue.
    if (await deps.gate.answerAnonymous(chatId))
      await send(withDeletionNote(reply.error(ANONYMOUS_REFUSAL), source));
    return;
  }
  if (!deps.gate.isOwner(userId)) {
    const what = words[0]?.startsWith('/')
      ? words[0].slice(0, 40)
      : msg.document
        ? 'a document'
        : 'a message';
    const first = await deps.gate.refuse({ userId, chatId, what });
    log.warn({ first }, 'refused a user who is not an owner');
    if (first) await send(reply.error(REFUSAL));
    return;
  }

  const answer = await answerOwner(deps, msg, resolution, userId, chatId, log);
  if (!answer) return;
  const result = withDeletionNote(answer, source);
  const messageId = await send(result);
  if (result.progressKey) {
    await rememberProgressMessage(deps.app, {
      platform: 'telegram',
      chatId,
      replaceKey: result.progressKey,
      messageId: String(messageId),
    });
  }
}

/** What the user wrote: a document's caption takes the place of a text (`/import NICHE` on a file). */
function messageText(msg: TgMessage): string {
  return msg.text ?? msg.caption ?? '';
}

/**
 * Messages we stay silent on. In a group, members' conversation is not for us; neither, from anyone
 * but the owner, is a `/cmd` we do not know (another bot's, or a typo): no refusal for those.
 */
function notForUs(resolution: Resolution, msg: TgMessage, owner: boolean): boolean {
  if (resolution.kind === 'other-bot') return true;
  if (msg.chat.type === 'private') return false;
  if (resolution.kind === 'not-a-command') return true;
  return resolution.kind === 'unknown' && !resolution.addressed && !owner;
}

/**
 * Deletes a message carrying credentials as soon as it arrives, whoever sent it (owner, stranger,
 * anonymous admin, channel): waiting for its turn in the chat's queue (behind an import that can take
 * minutes) would leave it in the chat meanwhile, and lose the deletion on a restart, since updates are
 * confirmed to Telegram before the queue runs them. A mistyped command carries them all the same.
 */
export async function deleteCredentials(
  deps: UpdateDeps,
  msg: TgMessage,
  log: Logger,
): Promise<SourceDeletion> {
  const text = messageText(msg);
  const sensitive = touchesCredentials(resolveCommand(splitWords(text), deps.botUsername));
  if (!sensitive && !containsCredentials(text)) return 'none';
  try {
    await deps.api.deleteMessage(String(msg.chat.id), msg.message_id);
    log.info('deleted a message carrying credentials');
    return 'deleted';
  } catch (err) {
    log.warn(
      { errMessage: maskSecrets(err instanceof Error ? err.message : String(err)) },
      'could not delete a message carrying credentials',
    );
    return 'failed';
  }
}

function touchesCredentials(resolution: Resolution): boolean {
  if (resolution.kind === 'command') return resolution.command.sensitive === true;
  if (resolution.kind === 'subcommands') return resolution.commands.some((c) => c.sensitive === true);
  return false;
}

async function answerOwner(
  deps: UpdateDeps,
  msg: TgMessage,
  resolution: Resolution,
  userId: string,
  chatId: string,
  log: Logger,
): Promise<Reply | undefined> {
  if (resolution.kind !== 'command') return answerWithoutCommand(resolution, msg);
  const { command } = resolution;
  const parsed = parseWords(command, resolution.words);
  const inv: Invocation = { command, values: parsed.values, unexpected: parsed.unexpected };

  const doc = msg.document ?? msg.reply_to_message?.document;
  const takesFile = command.args.some((a) => a.type === 'file');
  if (doc && takesFile) {
    const refusal = refuseDocument(doc);
    if (refusal) return reply.error(refusal);
    inv.file = telegramFile(deps.api, doc);
  } else if (msg.document && !takesFile) {
    return reply.error(`/${command.path.join(' ')} does not take a file. Usage: ${usageLine(command)}`);
  }

  const ctx: CommandContext = {
    core: { ...deps.app.core, log },
    actor: { platform: 'telegram', userId, chatId },
    services: deps.services,
  };
  return dispatch(inv, ctx);
}

/** The owner must know when a message of theirs carrying credentials is still in the chat. */
function withDeletionNote(result: Reply, source: SourceDeletion): Reply {
  return source === 'failed' ? { ...result, blocks: [...result.blocks, UNDELETED_NOTE] } : result;
}

function answerWithoutCommand(
  resolution: Exclude<Resolution, { kind: 'command' }>,
  msg: TgMessage,
): Reply | undefined {
  switch (resolution.kind) {
    case 'other-bot':
      return undefined;
    case 'unknown':
      return reply.error(`Unknown command /${resolution.name}. /help lists every command.`);
    case 'subcommands': {
      const quoted = resolution.commands.some((c) => c.sensitive) ? '' : ` "${resolution.given}"`;
      const head = resolution.given
        ? `/${resolution.top} has no subcommand${quoted}. It has:`
        : `/${resolution.top} needs a subcommand:`;
      return reply.text(
        [head, ...resolution.commands.map((c) => `${usageLine(c)} — ${c.summary}`)].join('\n'),
      );
    }
    case 'not-a-command':
      // Groups carry conversation that is not for us; in a private chat, silence would look broken.
      if (msg.chat.type !== 'private') return undefined;
      if (msg.document)
        return reply.text(
          'To import this file, send it with the caption /import NICHE, or reply to it with /import NICHE.',
        );
      return reply.text('Commands start with /. /help lists every command.');
  }
}

/** A button press that was answered and is waiting its turn in the chat's queue. */
export interface AcceptedPress {
  command: AnyCommand;
  values: Record<string, string>;
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
      log.info(
        { errMessage: maskSecrets(err instanceof Error ? err.message : String(err)) },
        'button answer refused',
      );
    });
  if (!deps.gate.isOwner(userId)) {
    await deps.gate.refuse({ userId, chatId, what: 'a button' });
    await answer('This bot is private.');
    return undefined;
  }
  const stored = cq.data ? await deps.buttons.resolve(cq.data) : undefined;
  const found = stored ? findCommand(stored.command.split(' ')) : undefined;
  if (!stored || !found) {
    await answer('This button has expired. Run the command again.');
    return undefined;
  }
  await answer();
  const values = Object.fromEntries(Object.entries(stored.args).map(([k, v]) => [k, String(v)]));
  return {
    command: found.command,
    values,
    userId,
    chatId,
    ...(cq.message ? { messageId: cq.message.message_id } : {}),
  };
}

export async function runCallback(deps: UpdateDeps, press: AcceptedPress, log: Logger): Promise<void> {
  const ctx: CommandContext = {
    core: { ...deps.app.core, log },
    actor: { platform: 'telegram', userId: press.userId, chatId: press.chatId },
    services: deps.services,
  };
  const result = await dispatch({ command: press.command, values: press.values }, ctx);
  // Page buttons turn the page in place rather than piling up messages.
  const replace = press.messageId === undefined ? {} : { replaceMessageId: press.messageId };
  await sendReply(deps.api, deps.buttons, press.chatId, result, { ...replace, waitOnRateLimit: true, log });
}

/** Last resort for a failure outside dispatch (Telegram unreachable, Redis down): log, and try to say so. */
export async function reportFailure(deps: UpdateDeps, chatId: string | undefined, err: unknown, log: Logger) {
  const ref = randomBytes(4).toString('hex');
  const message = maskSecrets(err instanceof Error ? err.message : String(err));
  log.error({ ref, errMessage: message }, 'telegram update failed');
  if (!chatId) return;
  await sendReply(
    deps.api,
    deps.buttons,
    chatId,
    reply.error(
      `Something failed on our side (logged as ${ref}). Nothing was changed unless a reply said so.`,
    ),
  ).catch(() => undefined);
}
