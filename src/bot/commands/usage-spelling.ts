import { usageLine } from './parse-words.js';
import type { AnyCommand, ArgSpec } from './types.js';

/**
 * How each front-end writes a command's usage, so `help` there and the README's command table say the
 * same thing: chat words (`/profiles list NAME [sort username|...]`), shell flags (`storywatch profiles
 * list NAME [--sort username|...]`) and Discord's slash-command options (`/profiles list name:text
 * [sort:username|...]`).
 */

/** The shell form: keyword options are `--name VALUE`; everything else is the same words as in a chat. */
export function shellUsageLine(c: Pick<AnyCommand, 'path' | 'args'>, prefix: string): string {
  const keywords = new Set(c.args.filter((a) => a.keyword).map((a) => a.name));
  return usageLine(c, prefix)
    .split(' ')
    .map((word) => {
      const bare = word.replace(/^\[/, '');
      return keywords.has(bare) ? word.replace(bare, `--${bare}`) : word;
    })
    .join(' ');
}

/** The subcommand Discord gives a top-level word that is a command and a group at once. */
const BARE_SUBCOMMAND = 'show';

/** Discord option and command names: lowercase letters, digits, - and _, at most 32. */
function slashName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (cleaned || 'value').slice(0, 32);
}

function slashOption(a: ArgSpec): string {
  const value =
    a.type === 'file'
      ? 'attachment'
      : a.choices && a.choices.length <= 25 && !a.autocomplete
        ? a.choices.join('|')
        : a.type === 'integer'
          ? 'N'
          : 'text';
  return a.required ? `${slashName(a.name)}:${value}` : `[${slashName(a.name)}:${value}]`;
}

/**
 * The slash command as Discord shows it: required options first (Discord refuses a required option
 * after an optional one), `name:value` each. `all` is the registry, to know whether a bare top-level
 * command shares its word with subcommands (then it is `/word show`).
 */
export function slashUsageLine(c: Pick<AnyCommand, 'path' | 'args'>, all: readonly AnyCommand[]): string {
  const top = slashName(c.path[0]);
  const grouped = all.some((o) => o.path.length === 2 && slashName(o.path[0]) === top);
  const sub = c.path.length === 2 ? slashName(c.path[1]) : grouped ? BARE_SUBCOMMAND : undefined;
  const options = [...c.args.filter((a) => a.required), ...c.args.filter((a) => !a.required)];
  return [`/${top}`, ...(sub ? [sub] : []), ...options.map(slashOption)].join(' ');
}
