import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { IncomingFile } from '../commands/types.js';

/**
 * Where relative paths start: `npm run storywatch -- ...` runs in the package root, and npm keeps the
 * directory the operator typed the command in as INIT_CWD.
 */
export function baseDir(): string {
  return process.env.INIT_CWD ?? process.cwd();
}

const PATH_LIKE_RE = /[/\\]|\.(?:txt|csv|text)$/i;
/** Profile links (`https://instagram.com/name/`, `instagram.com/name`) are names to import, not paths. */
const LINK_RE = /^(?:[a-z][a-z0-9+.-]*:\/\/|(?:www\.|m\.)?(?:instagram\.com|instagr\.am)\/)/i;

/** Whether a word on the command line is meant as a file path (exists, or looks like one). */
export async function fileWord(word: string): Promise<'file' | 'missing' | 'not-a-path'> {
  try {
    if (LINK_RE.test(word)) return 'not-a-path';
    const s = await stat(resolve(baseDir(), word));
    if (s.isFile()) return 'file';
  } catch {
    // not there: decided by its shape below
  }
  // A username cannot hold '/', and one ending in .txt typed next to a file argument is far likelier a typo'd path.
  if (word.startsWith('@') || LINK_RE.test(word)) return 'not-a-path';
  return PATH_LIKE_RE.test(word) ? 'missing' : 'not-a-path';
}

/** A local file as the commands see an upload: name, size, and its bytes on demand. */
export async function consoleFile(path: string): Promise<IncomingFile> {
  const full = resolve(baseDir(), path);
  const s = await stat(full);
  return { name: basename(full), size: s.size, read: () => readFile(full) };
}
