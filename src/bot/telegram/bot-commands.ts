import { commands } from '../commands/registry.js';
import type { AnyCommand } from '../commands/types.js';

export interface MenuEntry {
  command: string;
  description: string;
}

/** Telegram refuses a command description longer than this. */
const DESCRIPTION_MAX = 256;

function describeTop(top: string, under: readonly AnyCommand[]): string {
  const only = under[0];
  if (under.length === 1 && only?.path.length === 1) return only.summary;
  const subs = under.map((c) => c.path[1] ?? c.path[0]).join(', ');
  return `${top[0]?.toUpperCase()}${top.slice(1)}: ${subs}`;
}

/**
 * The menu Telegram shows (setMyCommands), generated from the command registry so no command is left
 * out: top-level names only, in the registry's order, since Telegram commands are one word and the
 * subcommand is the first argument (`/niche add fitness`). A group is described by its subcommands.
 */
export function telegramMenu(registry: readonly AnyCommand[] = commands): MenuEntry[] {
  const tops = [...new Set(registry.map((c) => c.path[0]))];
  return tops.map((top) => {
    const description = describeTop(
      top,
      registry.filter((c) => c.path[0] === top),
    );
    return { command: top, description: description.slice(0, DESCRIPTION_MAX) };
  });
}
