import type { z } from 'zod';
import { isUserError } from '../../core/errors.js';
import { containsCredentials, maskSecrets } from '../../core/mask.js';
import { maskReply } from '../../reply/mask-reply.js';
import { type Reply, reply } from '../../reply/reply.js';
import { internalFailure } from '../shared/internal-failure.js';
import { usageLine } from './parse-words.js';
import { spellReplyCommands } from './spell-commands.js';
import type { AnyCommand, CommandContext, IncomingFile } from './types.js';

export interface Invocation {
  command: AnyCommand;
  /** Raw values by argument name (strings from text front-ends, typed values from Discord). */
  values: Record<string, unknown>;
  file?: IncomingFile;
  /** Words that matched no argument (text front-ends). */
  unexpected?: readonly string[];
}

/**
 * What was wrong in the operator's words: each schema message says which value it is about and what is
 * accepted, so the field's code name is not shown. One sentence each, capitalised, with a full stop.
 */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const text = issue.message.trim();
      const sentence = `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
      return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
    })
    .join(' ');
}

/**
 * Validates and runs one command, turning every failure into a reply: wrong arguments get the usage
 * line, a UserError its own message, anything else a short reference to the log entry.
 */
export async function dispatch(inv: Invocation, ctx: CommandContext): Promise<Reply> {
  const result = maskReply(spellReplyCommands(await answer(inv, ctx), ctx.actor.commandPrefix));
  // A refusal of a credentials command may quote what was typed: as private as its success.
  return inv.command.sensitive ? { ...result, ephemeral: true } : result;
}

async function answer(inv: Invocation, ctx: CommandContext): Promise<Reply> {
  const { command } = inv;
  const name = command.path.join(' ');
  const log = ctx.core.log.child({ command: name, platform: ctx.actor.platform, userId: ctx.actor.userId });
  const usage = usageLine(command, ctx.actor.commandPrefix);
  if (inv.unexpected && inv.unexpected.length > 0) {
    const shown = inv.unexpected
      .slice(0, 5)
      .map((w) => (containsCredentials(w) ? '"…" (a credential, not repeated)' : `"${maskSecrets(w)}"`))
      .join(', ');
    return reply.error(
      `Unexpected ${inv.unexpected.length === 1 ? 'word' : 'words'} ${shown}.\nUsage: ${usage}`,
    );
  }
  const values = inv.file ? { ...inv.values, file: inv.file } : inv.values;
  const parsed = command.schema.safeParse(values);
  if (!parsed.success) {
    return reply.error(`${describeIssues(parsed.error)}\nUsage: ${usage}`);
  }
  const started = Date.now();
  try {
    const result = await command.handler(parsed.data, ctx);
    log.info({ ms: Date.now() - started }, 'command done');
    return result;
  } catch (err) {
    if (isUserError(err)) {
      log.info({ code: err.code }, 'command refused');
      return reply.error(err.message, { code: err.code, ...err.details });
    }
    const { ref, text } = internalFailure(log, err, 'command failed');
    return reply.error(text, { ref });
  }
}
