import type { Logger } from '../../core/logger.js';
import { type Reply, reply } from '../../reply/reply.js';
import { dispatch, type Invocation } from '../commands/dispatch.js';
import { parseWords, splitWords, usageLine } from '../commands/parse-words.js';
import { chatActor, commandContext } from '../shared/command-context.js';
import { type SourceDeletion, UNDELETED_NOTE, withDeletionNote } from './delete-credentials.js';
import { refuseDocument, telegramFile } from './incoming-file.js';
import { telegramProgress } from './progress-message.js';
import { type Resolution, resolveCommand } from './resolve-command.js';
import { sendReply } from './send-reply.js';
import { messageText, type TgMessage, type UpdateDeps } from './update-types.js';

const REFUSAL = 'This bot is private. Your attempt was logged; you will not get another answer.';
/** The user Telegram puts in `from` for a group admin who posts as the group ("Remain anonymous"). */
const ANONYMOUS_ADMIN_ID = '1087968824';
const ANONYMOUS_REFUSAL =
  'Commands sent anonymously (as the group) cannot be checked against the owner list. Turn off "Remain anonymous" in your admin rights, or send the command in a private chat with the bot.';

/** One message in its chat's turn: who sent it, where, and how to answer there. */
interface Incoming {
  msg: TgMessage;
  userId: string;
  chatId: string;
  words: string[];
  source: SourceDeletion;
  send(r: Reply): Promise<number>;
}

export async function handleMessage(
  deps: UpdateDeps,
  msg: TgMessage,
  log: Logger,
  source: SourceDeletion,
): Promise<void> {
  const userId = msg.from ? String(msg.from.id) : undefined;
  if (!userId) return;
  const chatId = String(msg.chat.id);
  const send = (r: Reply) => sendReply(deps.api, deps.buttons, chatId, r, { waitOnRateLimit: true, log });
  const incoming: Incoming = { msg, userId, chatId, words: splitWords(messageText(msg)), source, send };
  const resolution = resolveCommand(incoming.words, deps.botUsername);
  if (await turnedAway(deps, incoming, resolution, log)) return;
  const answer = await answerOwner(deps, incoming, resolution, log);
  if (!answer) return;
  const result = withDeletionNote(answer, source);
  const messageId = await send(result);
  if (result.progressKey) {
    await deps.progress.remember({
      platform: 'telegram',
      chatId,
      replaceKey: result.progressKey,
      messageId: String(messageId),
    });
  }
}

/** Handles what is not the owner's command (talk, anonymous posts, strangers); true when so handled. */
async function turnedAway(
  deps: UpdateDeps,
  incoming: Incoming,
  resolution: Resolution,
  log: Logger,
): Promise<boolean> {
  const { msg, userId, chatId, source, send } = incoming;
  const owner = deps.gate.isOwner(userId);
  if (notForUs(resolution, msg, owner)) {
    // Silence suits talk that is not for us, but not the owner's own credentials left in the chat.
    if (source === 'failed' && owner) await send(reply.of([UNDELETED_NOTE]));
    return true;
  }
  if (msg.sender_chat || userId === ANONYMOUS_ADMIN_ID) {
    // Telegram hides who an anonymous admin is, so the owner check cannot pass; say why, log nothing.
    // Once per chat per hour: anyone posting as a channel could otherwise make the bot flood the
    // group into 429s that stall the chat's queue.
    if (await deps.gate.answerAnonymous(chatId))
      await send(withDeletionNote(reply.error(ANONYMOUS_REFUSAL), source));
    return true;
  }
  if (owner) return false;
  const head = incoming.words[0];
  const what = head?.startsWith('/') ? head.slice(0, 40) : msg.document ? 'a document' : 'a message';
  const first = await deps.gate.firstRefusal(userId);
  await deps.gate.refuse({ userId, chatId, what });
  log.warn({ first }, 'refused a user who is not an owner');
  if (first) await send(reply.error(REFUSAL));
  return true;
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

async function answerOwner(
  deps: UpdateDeps,
  incoming: Incoming,
  resolution: Resolution,
  log: Logger,
): Promise<Reply | undefined> {
  const { msg } = incoming;
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
  // A large import says how far it is in a message of its own, brought up to date before the report.
  const progress = telegramProgress(deps.api, incoming.chatId, log);
  const ctx = commandContext(deps, chatActor('telegram', incoming.userId, incoming.chatId), log);
  const answer = await dispatch(inv, { ...ctx, onProgress: progress.update });
  await progress.finish();
  return answer;
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
