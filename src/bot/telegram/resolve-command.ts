import { commandsUnder, findCommand } from '../commands/registry.js';
import type { AnyCommand } from '../commands/types.js';

/** Telegram-only spellings of whole commands (`/start` is what Telegram sends when a chat opens). */
export const COMMAND_ALIASES: Readonly<Record<string, readonly string[]>> = {
  start: ['help'],
};
/** Aliases whose words are not arguments: `/start PAYLOAD` comes from a deep link, not from the operator. */
const IGNORES_WORDS = new Set(['start']);

/**
 * What a top-level word means without a subcommand: `alone` when nothing follows it, `otherwise` when
 * the words that follow are not a subcommand (`/profiles fitness page 2` = `profiles list fitness page 2`).
 * An alias only applies when the command it names exists.
 */
export const SUBCOMMAND_DEFAULTS: Readonly<Record<string, { alone?: string; otherwise?: string }>> = {
  target: { alone: 'list', otherwise: 'set' },
  settings: { alone: 'show' },
  profiles: { otherwise: 'list' },
};

export type Resolution =
  | { kind: 'command'; command: AnyCommand; words: string[] }
  | { kind: 'subcommands'; top: string; given?: string; commands: AnyCommand[] }
  /** `addressed`: written as /name@thisbot, so meant for us even in a group full of bots. */
  | { kind: 'unknown'; name: string; addressed: boolean }
  | { kind: 'not-a-command' }
  /** `/cmd@otherbot` in a group: meant for another bot. */
  | { kind: 'other-bot' };

/** Resolves the words of a message (`/niche add fitness` split by `splitWords`) to a command. */
export function resolveCommand(words: readonly string[], botUsername: string): Resolution {
  const head = words[0];
  const m = head ? /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?$/.exec(head) : null;
  if (!m) return { kind: 'not-a-command' };
  if (m[2] && m[2].toLowerCase() !== botUsername.toLowerCase()) return { kind: 'other-bot' };
  const name = m[1]!.toLowerCase();
  const path = COMMAND_ALIASES[name] ?? [name];
  const top = path[0]!;
  const rest = [...path.slice(1), ...(IGNORES_WORDS.has(name) ? [] : words.slice(1))];

  const found = findCommand([top, ...rest]);
  if (found) return { kind: 'command', command: found.command, words: rest.slice(found.consumed - 1) };

  const defaults = SUBCOMMAND_DEFAULTS[top];
  const fallback = rest.length === 0 ? defaults?.alone : defaults?.otherwise;
  if (fallback) {
    const aliased = findCommand([top, fallback]);
    if (aliased?.consumed === 2) return { kind: 'command', command: aliased.command, words: rest };
  }
  const under = commandsUnder(top);
  if (under.length > 0)
    return { kind: 'subcommands', top, ...(rest[0] ? { given: rest[0] } : {}), commands: under };
  return { kind: 'unknown', name, addressed: m[2] !== undefined };
}
