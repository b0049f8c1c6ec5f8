import type { Actor } from './types.js';

/** Characters a POSIX shell takes literally in an unquoted word. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * A name as one word of a command the actor can type again: single-quoted for a shell when the shell
 * would split or interpret it (`'travel & vanlife'`, `'#12'`), double-quoted in a chat when it has spaces.
 */
export function quoteWord(actor: Pick<Actor, 'typesInShell'>, word: string): string {
  if (actor.typesInShell) {
    return SHELL_SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
  }
  return /\s/.test(word) ? `"${word}"` : word;
}
