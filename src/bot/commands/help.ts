import { z } from 'zod';
import { reply } from '../../reply/reply.js';
import { usageLine } from './parse-words.js';
import type { Actor, AnyCommand } from './types.js';
import { defineCommand } from './types.js';
import { shellUsageLine, slashUsageLine } from './usage-spelling.js';

/** Usage as the actor's front-end spells it, the same as that front-end's column of the README table. */
function spelling(actor: Actor, all: readonly AnyCommand[]): (c: AnyCommand) => string {
  if (actor.describesCommands) return (c) => slashUsageLine(c, all);
  if (actor.typesInShell) return (c) => shellUsageLine(c, actor.commandPrefix);
  return (c) => usageLine(c, actor.commandPrefix);
}

export const helpCommands: AnyCommand[] = [
  defineCommand({
    path: ['help'],
    summary: 'List every command with its usage',
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      // Imported lazily: the registry imports this module, so a static import would be circular.
      const registry = await import('./registry.js');
      const commands = registry.commands.filter((c) => !(c.chatOnly && ctx.actor.noChat));
      const usageOf = spelling(ctx.actor, registry.commands);
      const data = { commands: commands.map((c) => c.path.join(' ')) };
      if (ctx.actor.describesCommands) {
        // Discord's command picker shows each description as you type "/"; the usage lines alone fit
        // one message, where usage plus summaries would arrive as an attachment.
        const usage = commands.map(usageOf);
        return reply.text(
          ['Type / to see each command with its description and options. Every command:', ...usage].join(
            '\n',
          ),
          'info',
          data,
        );
      }
      const lines = commands.map((c) => `${usageOf(c)}\n    ${c.summary}`);
      return reply.text(lines.join('\n'), 'info', data);
    },
  }),
];
