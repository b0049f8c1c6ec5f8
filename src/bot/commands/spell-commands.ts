import type { Reply } from '../../reply/reply.js';
import { commands } from './registry.js';

let topLevel: Set<string> | undefined;

/** The top-level command names, read once the registry has loaded (it imports the modules that import this). */
function isCommand(word: string): boolean {
  topLevel ??= new Set(commands.map((c) => c.path[0]));
  return topLevel.has(word);
}

/**
 * Replies name commands neutrally in backticks (`proxy add ip:port:user:pass`), core's messages too;
 * this spells each as the actor's front-end writes it (`/proxy add …` in a chat, `storywatch proxy
 * add …` in a shell). Only backticked text whose first word is a command is changed.
 */
export function spellCommands(text: string, prefix: string): string {
  return text.replace(/`([a-z]+)((?: [^`]*)?)`/g, (whole, first: string, rest: string) =>
    isCommand(first) ? `\`${prefix}${first}${rest}\`` : whole,
  );
}

export function spellReplyCommands(r: Reply, prefix: string): Reply {
  const blocks = r.blocks.map((b) => (b.type === 'text' ? { ...b, text: spellCommands(b.text, prefix) } : b));
  return { ...r, blocks };
}
