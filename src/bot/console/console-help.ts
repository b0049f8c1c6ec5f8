import { commands } from '../commands/registry.js';
import type { AnyCommand } from '../commands/types.js';
import { consoleUsage, PREFIX, secretInputOf } from './secret-input.js';

export function helpListing(): string {
  // `digest here` acts on the chat it is sent in: the shell has none, so it is not offered here.
  const lines = commands.filter((c) => !c.chatOnly).map((c) => `  ${consoleUsage(c)}\n      ${c.summary}`);
  return [
    'Usage: storywatch COMMAND [ARGS] [--json]',
    '',
    ...lines,
    `  ${PREFIX}discord register`,
    '      Register the slash commands with Discord (DISCORD_TOKEN, DISCORD_APPLICATION_ID)',
    '',
    'Add --help after a command for its arguments; --json prints the machine-readable result.',
  ].join('\n');
}

export function commandHelp(c: AnyCommand): string {
  const secret = secretInputOf(c);
  const lines = [`Usage: ${consoleUsage(c)}`, `  ${c.summary}`];
  if (secret) {
    lines.push(
      `  Read from standard input or --file, never from the command line (${secret.what} there stay in the shell history):`,
      ...secret.forms.map((f) => `    ${f}`),
    );
  }
  for (const a of c.args) {
    const how = a.type === 'file' ? 'a file path' : a.keyword ? `--${a.name} VALUE` : a.name.toUpperCase();
    lines.push(`  ${how}: ${a.description}${a.required ? '' : ' (optional)'}`);
  }
  return lines.join('\n');
}
