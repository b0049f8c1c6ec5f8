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
    `  ${PREFIX}demo [--keep]`,
    '      The whole workflow against a simulated Instagram, on a database of its own (npm run demo)',
    '',
    'Add --help after a command for its arguments; --json prints the machine-readable result;',
    '--out PATH saves the file a reply carries (an export, a chart) there, - for standard output.',
  ].join('\n');
}

/** Options only the console has: they shape how the reply is shown here, not what the command does. */
const CONSOLE_OPTIONS: Record<string, readonly string[]> = {
  'batch run': [
    '--follow: draw a progress bar until the batch ends, then print its summary (Ctrl-C stops following, not the batch)',
  ],
  stats: [
    '--out PATH: where the chart PNG goes (default: stats-DATE-TIME.png in this directory; - for standard output)',
  ],
  'profiles export': [
    '--out PATH: where the file goes (default: its name in this directory; - for standard output)',
  ],
  results: ['--out PATH: with --as file, where the file goes (- for standard output)'],
};

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
  for (const option of CONSOLE_OPTIONS[c.path.join(' ')] ?? []) lines.push(`  ${option}`);
  return lines.join('\n');
}
