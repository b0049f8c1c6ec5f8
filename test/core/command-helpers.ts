import { dispatch } from '../../src/bot/commands/dispatch.js';
import { parseWords, splitWords } from '../../src/bot/commands/parse-words.js';
import { findCommand } from '../../src/bot/commands/registry.js';
import type { CommandServices } from '../../src/bot/commands/types.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { type Reply, renderPlain } from '../../src/reply/reply.js';

/** Runs a command line the way the console front-end does and returns the reply and its text. */
export async function run(
  core: CoreDeps,
  line: string,
  services: CommandServices = {},
): Promise<{ reply: Reply; text: string }> {
  const words = splitWords(line);
  const found = findCommand(words);
  if (!found) throw new Error(`no command for ${line}`);
  const { values, unexpected } = parseWords(found.command, words.slice(found.consumed));
  const reply = await dispatch(
    { command: found.command, values, unexpected },
    {
      core,
      actor: { platform: 'console', userId: 'tester', chatId: 'console', commandPrefix: '/' },
      services,
    },
  );
  return { reply, text: renderPlain(reply) };
}
