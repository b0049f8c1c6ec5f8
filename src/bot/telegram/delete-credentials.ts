import type { Logger } from '../../core/logger.js';
import { containsCredentials } from '../../core/mask.js';
import { type Reply, textBlock } from '../../reply/reply.js';
import { splitWords } from '../commands/parse-words.js';
import { type Resolution, resolveCommand } from './resolve-command.js';
import { messageText, type TgMessage, type UpdateDeps } from './update-types.js';

/**
 * What became of a message carrying credentials before its turn in the chat's queue came: the
 * middleware deletes it on arrival (see deleteCredentials), so handleMessage only reports a failure.
 */
export type SourceDeletion = 'none' | 'deleted' | 'failed';

export const UNDELETED_NOTE = textBlock(
  'I could not delete your message, and it contains credentials: please delete it yourself.',
  'warning',
);

/** The owner must know when a message of theirs carrying credentials is still in the chat. */
export function withDeletionNote(result: Reply, source: SourceDeletion): Reply {
  return source === 'failed' ? { ...result, blocks: [...result.blocks, UNDELETED_NOTE] } : result;
}

/**
 * Deletes a message carrying credentials as soon as it arrives, whoever sent it (owner, stranger,
 * anonymous admin, channel): waiting for its turn in the chat's queue (behind an import that can take
 * minutes) would leave it in the chat meanwhile, and lose the deletion on a restart, since updates are
 * confirmed to Telegram before the queue runs them. A mistyped command carries them all the same.
 */
export async function deleteCredentials(
  deps: Pick<UpdateDeps, 'api' | 'botUsername'>,
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
    log.warn({ err }, 'could not delete a message carrying credentials');
    return 'failed';
  }
}

function touchesCredentials(resolution: Resolution): boolean {
  if (resolution.kind === 'command') return resolution.command.sensitive === true;
  if (resolution.kind === 'subcommands') return resolution.commands.some((c) => c.sensitive === true);
  return false;
}
