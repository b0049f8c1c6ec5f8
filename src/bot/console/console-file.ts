import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import { decodeText } from '../../core/import/decode-text.js';
import type { AnyCommand, IncomingFile } from '../commands/types.js';

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

/** Extensions a list of usernames comes in: a word that would name a file with one was probably meant as it. */
const LIST_EXTENSIONS = ['.txt', '.csv'] as const;

type WordKind = 'file' | 'not-a-path' | { problem: string };

function whereFrom(word: string): string {
  return isAbsolute(word) ? '' : ` (paths are relative to ${baseDir()})`;
}

async function statOf(path: string): Promise<'file' | 'directory' | undefined> {
  try {
    const s = await stat(resolve(baseDir(), path));
    return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a word on the command line is meant as a file path: a file, or a word that looks like a path
 * or a file the operator meant (a directory, `name` where `name.txt` exists): those are asked about,
 * never imported as a username.
 */
export async function fileWord(word: string): Promise<WordKind> {
  // A username cannot hold '/', and '@name' or a profile link is a name whatever the directory holds.
  if (word.startsWith('@') || LINK_RE.test(word)) return 'not-a-path';
  const found = await statOf(word);
  if (found === 'file') return 'file';
  if (found === 'directory')
    return { problem: `"${word}" is a directory, not a file. Give the .txt or .csv file in it.` };
  for (const ext of LIST_EXTENSIONS) {
    if ((await statOf(`${word}${ext}`)) === 'file')
      return {
        problem: `There is no file "${word}", and it is not imported as a username: did you mean ${word}${ext}?`,
      };
  }
  // One ending in .txt typed next to a file argument is far likelier a typo'd path than a username.
  if (PATH_LIKE_RE.test(word)) return { problem: `No file "${word}"${whereFrom(word)}.` };
  return 'not-a-path';
}

/** A local file as the commands see an upload: name, size, and its bytes on demand. */
export async function consoleFile(path: string): Promise<IncomingFile> {
  const full = resolve(baseDir(), path);
  const s = await stat(full);
  return { name: basename(full), size: s.size, read: () => readFile(full) };
}

/** Proxy lists and cookie sets are small; anything larger is not what was meant. */
export const MAX_SECRET_INPUT_BYTES = 5 * 1024 * 1024;

const MB = MAX_SECRET_INPUT_BYTES / 1024 / 1024;

export type SecretText = { text: string } | { problem: string };

function decodeSecretText(bytes: Buffer, where: string): SecretText {
  if (bytes.length > MAX_SECRET_INPUT_BYTES) return { problem: `${where} is larger than ${MB} MB.` };
  try {
    return { text: decodeText(bytes).text };
  } catch {
    // decodeText's own message speaks of usernames; and the text itself is never quoted.
    return { problem: `${where} is not text (UTF-8, or UTF-16 with a byte order mark).` };
  }
}

/** A file given with `--file PATH` to a command that takes secrets (relative to where it was typed). */
export async function readSecretFile(path: string): Promise<SecretText> {
  const full = resolve(baseDir(), path);
  const isFile = await stat(full).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) {
    return {
      problem: isAbsolute(path)
        ? `No file "${path}".`
        : `No file "${path}" (paths are relative to ${baseDir()}).`,
    };
  }
  return decodeSecretText(await readFile(full), `The file "${path}"`);
}

/**
 * Standard input to its end, or undefined when it is a terminal: nothing was piped in, and reading
 * would wait for typing the operator does not know is expected.
 */
export async function readSecretStdin(
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<SecretText | undefined> {
  if (stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_SECRET_INPUT_BYTES) return { problem: `Standard input is larger than ${MB} MB.` };
    chunks.push(buf);
  }
  return decodeSecretText(Buffer.concat(chunks), 'Standard input');
}

/** Pulls a path for the command's file argument out of the words: `--file PATH` or a word naming a file. */
export async function extractFile(
  command: AnyCommand,
  words: string[],
): Promise<{ words: string[]; file?: IncomingFile; problem?: string }> {
  if (!command.args.some((a) => a.type === 'file')) return { words };
  // `--file PATH` wherever it stands; then the single-word arguments before the list (the niche of
  // `import NICHE ...`) are never paths: a niche may well be called "gym/health".
  const paths: string[] = [];
  const others: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '--file' && i + 1 < words.length) paths.push(words[++i] ?? '');
    else if (w.startsWith('--file=')) paths.push(w.slice('--file='.length));
    else others.push(w);
  }
  const fixed = command.args.findIndex((a) => a.type === 'rest' || a.type === 'file' || a.keyword);
  const skip = Math.max(0, fixed === -1 ? command.args.length : fixed);
  const rest: string[] = others.slice(0, skip);
  for (const w of others.slice(skip)) {
    const kind = await fileWord(w);
    if (kind === 'file') paths.push(w);
    else if (kind === 'not-a-path') rest.push(w);
    else return { words, problem: kind.problem };
  }
  if (paths.length > 1) return { words, problem: `Give one file at a time (got ${paths.join(', ')}).` };
  const path = paths[0];
  if (path === undefined) return { words: rest };
  const kind = await fileWord(path);
  if (kind !== 'file')
    return {
      words,
      problem: typeof kind === 'object' ? kind.problem : `No file "${path}"${whereFrom(path)}.`,
    };
  return { words: rest, file: await consoleFile(path) };
}
