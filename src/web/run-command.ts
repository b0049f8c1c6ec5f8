import { dispatch } from '../bot/commands/dispatch.js';
import { findCommand } from '../bot/commands/registry.js';
import type { Actor, IncomingFile } from '../bot/commands/types.js';
import { type CommandBase, commandContext } from '../bot/shared/command-context.js';
import type { Reply } from '../reply/reply.js';

/** The operator on the panel: no chat, progress is shown by polling the page, commands named bare. */
export function webActor(userId: string): Actor {
  return { platform: 'web', userId, chatId: 'web', commandPrefix: '', noChat: true };
}

/**
 * Runs one registry command exactly as a chat would: the same zod schema, handler, masking and
 * refusals. `words` is the command's path ("niche add"); values are by argument name.
 */
export async function runCommand(
  base: CommandBase,
  userId: string,
  words: string,
  values: Record<string, unknown>,
  file?: IncomingFile,
): Promise<Reply> {
  const found = findCommand(words.split(' '));
  if (!found) throw new Error(`no command "${words}" in the registry`);
  const actor = webActor(userId);
  const log = base.core.log.child({ platform: 'web', userId });
  return dispatch(
    { command: found.command, values, ...(file ? { file } : {}) },
    commandContext(base, actor, log),
  );
}
