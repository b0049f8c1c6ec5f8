import type { ChatInputCommandInteraction } from 'discord.js';
import type { Invocation } from '../commands/dispatch.js';
import { splitWords } from '../commands/parse-words.js';
import type { AnyCommand } from '../commands/types.js';
import { discordName } from './command-json.js';
import { discordFile, refuseAttachment } from './incoming-file.js';

type Options = Pick<ChatInputCommandInteraction['options'], 'get'>;

export type BuiltInvocation = { invocation: Invocation } | { refusal: string };

/**
 * Maps slash-command options onto the command's declared arguments. Values go in as text, exactly as
 * the text front-ends pass them, so one zod schema validates all three; a `rest` option is split into
 * words like a typed command line, and an attachment becomes an IncomingFile once it passes the checks.
 */
export function invocationFrom(command: AnyCommand, options: Options): BuiltInvocation {
  const values: Record<string, unknown> = {};
  const invocation: Invocation = { command, values };
  for (const spec of command.args) {
    const option = options.get(discordName(spec.name));
    if (!option) continue;
    if (spec.type === 'file') {
      const a = option.attachment;
      if (!a) continue;
      const attachment = { name: a.name, size: a.size, url: a.url, contentType: a.contentType };
      const refusal = refuseAttachment(attachment);
      if (refusal) return { refusal };
      invocation.file = discordFile(attachment);
      continue;
    }
    if (option.value === undefined || option.value === null) continue;
    const text = String(option.value);
    values[spec.name] = spec.type === 'rest' ? splitWords(text) : text;
  }
  return { invocation };
}
