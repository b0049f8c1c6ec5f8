import { createReadStream } from 'node:fs';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Block, type Reply, textBlock } from '../../reply/reply.js';

/** `--out PATH` (or `--out=PATH`): where a reply's file goes on the console; `-` is stdout. */
export function takeOutOption(words: readonly string[]): { words: string[]; out?: string; problem?: string } {
  const rest: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w.startsWith('--out=')) out = w.slice('--out='.length);
    else if (w === '--out') {
      const next = words[i + 1];
      if (next === undefined || next === '')
        return { words: rest, problem: '--out needs a file path, or - for standard output.' };
      out = next;
      i++;
    } else rest.push(w);
  }
  return out === undefined ? { words: rest } : { words: rest, out };
}

/** Moves a file across file systems too (the temporary directory may be elsewhere). */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch {
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

/**
 * Saves the files a reply carries on disk (exports): to `--out PATH`, by default to the file's name in
 * the current directory, or streamed to stdout with `--out -`. Each file block becomes a line naming
 * where it went. `toStdout` tells the caller to print the rest of the reply on stderr.
 */
export async function saveReplyFiles(
  r: Reply,
  out: string | undefined,
): Promise<{ reply: Reply; toStdout: boolean }> {
  const onDisk = r.blocks.filter((b) => b.type === 'file' && b.path);
  if (onDisk.length === 0) return { reply: r, toStdout: false };
  const saved: string[] = [];
  const blocks: Block[] = [];
  for (const b of r.blocks) {
    if (b.type !== 'file' || !b.path) {
      blocks.push(b);
      continue;
    }
    if (out === '-') {
      await pipeline(createReadStream(b.path), process.stdout, { end: false });
      await rm(b.path, { force: true });
      if (b.caption) blocks.push(textBlock(b.caption));
      continue;
    }
    const target = resolve(out && onDisk.length === 1 ? out : b.fileName);
    await moveFile(b.path, target);
    const { size } = await stat(target);
    saved.push(target);
    blocks.push(textBlock(`${b.caption ? `${b.caption}\n` : ''}Wrote ${target} (${size} bytes).`, 'success'));
  }
  const data = r.data && typeof r.data === 'object' ? { ...r.data, savedTo: saved } : { savedTo: saved };
  return { reply: { ...r, blocks, data }, toStdout: out === '-' };
}
