import { batchCommands } from './batch.js';
import { digestCommands } from './digest.js';
import { helpCommands } from './help.js';
import { importCommands } from './import.js';
import { instagramCommands } from './instagram.js';
import { nicheCommands } from './niche.js';
import { panelCommands } from './panel.js';
import { profilesCommands } from './profiles.js';
import { proxyCommands } from './proxy.js';
import { resultsCommands } from './results.js';
import { sessionCommands } from './session.js';
import { settingsCommands } from './settings.js';
import { statsCommands } from './stats.js';
import { targetCommands } from './target.js';
import type { AnyCommand } from './types.js';

/** Every command, in the order `/help` lists them; the one place that knows all of them. */
export const commands: readonly AnyCommand[] = [
  ...nicheCommands,
  ...importCommands,
  ...profilesCommands,
  ...targetCommands,
  ...settingsCommands,
  ...proxyCommands,
  ...sessionCommands,
  ...instagramCommands,
  ...batchCommands,
  ...resultsCommands,
  ...statsCommands,
  ...digestCommands,
  ...panelCommands,
  ...helpCommands,
];

export function findCommand(words: readonly string[]): { command: AnyCommand; consumed: number } | undefined {
  const [first, second] = words.map((w) => w.toLowerCase());
  if (!first) return undefined;
  const two = commands.find((c) => c.path.length === 2 && c.path[0] === first && c.path[1] === second);
  if (two) return { command: two, consumed: 2 };
  const one = commands.find((c) => c.path.length === 1 && c.path[0] === first);
  if (one) return { command: one, consumed: 1 };
  return undefined;
}

/** Commands under one top-level name (`niche` -> list, add, ...), for "which subcommand?" replies. */
export function commandsUnder(top: string): AnyCommand[] {
  return commands.filter((c) => c.path[0] === top.toLowerCase());
}
