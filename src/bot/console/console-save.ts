import { createReadStream } from 'node:fs';
import { copyFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { drawChartPng } from '../../charts/draw.js';
import { type Block, type Reply, textBlock } from '../../reply/reply.js';
import { baseDir } from './console-file.js';

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

type Saveable = Extract<Block, { type: 'file' | 'chart' }>;

const saveable = (b: Block): b is Saveable =>
  (b.type === 'file' && b.path !== undefined) || b.type === 'chart';

/** A chart drawn as PNG: to `target`, or to stdout with `--out -`. */
async function saveChart(b: Extract<Block, { type: 'chart' }>, target: string | undefined): Promise<Block> {
  const png = await drawChartPng(b.chart);
  if (target === undefined) {
    await new Promise<void>((done, fail) => process.stdout.write(png, (err) => (err ? fail(err) : done())));
    return textBlock(b.caption);
  }
  await writeFile(target, png);
  return textBlock(`${b.caption}\nWrote ${target} (${png.length} bytes, PNG).`, 'success');
}

/** An export's temporary file: moved to `target`, or streamed to stdout with `--out -`. */
async function saveFile(
  b: Extract<Block, { type: 'file' }>,
  target: string | undefined,
): Promise<Block | undefined> {
  const path = b.path as string;
  if (target === undefined) {
    await pipeline(createReadStream(path), process.stdout, { end: false });
    await rm(path, { force: true });
    return b.caption ? textBlock(b.caption) : undefined;
  }
  await moveFile(path, target);
  const { size } = await stat(target);
  return textBlock(`${b.caption ? `${b.caption}\n` : ''}Wrote ${target} (${size} bytes).`, 'success');
}

/**
 * Saves the files a reply carries (exports on disk, charts drawn as PNG): to `--out PATH` when there is
 * one, by default to the file's name (a chart's is timestamped) in the directory the command was typed in
 * (INIT_CWD under npm, else the current directory), or to stdout
 * with `--out -`. Each becomes a line naming where it went, and `savedTo` in the `--json` data lists the
 * paths (never the bytes). `toStdout` tells the caller to print the rest of the reply on stderr.
 */
export async function saveReplyFiles(
  r: Reply,
  out: string | undefined,
): Promise<{ reply: Reply; toStdout: boolean }> {
  const toSave = r.blocks.filter(saveable);
  if (toSave.length === 0) return { reply: r, toStdout: false };
  const saved: string[] = [];
  const blocks: Block[] = [];
  for (const b of r.blocks) {
    if (!saveable(b)) {
      blocks.push(b);
      continue;
    }
    // Relative to where the command was typed (INIT_CWD under `npm run`), as the files it reads are.
    const target =
      out === '-' ? undefined : resolve(baseDir(), out && toSave.length === 1 ? out : b.fileName);
    const said = b.type === 'chart' ? await saveChart(b, target) : await saveFile(b, target);
    if (said) blocks.push(said);
    if (target !== undefined) saved.push(target);
  }
  const data = r.data && typeof r.data === 'object' ? { ...r.data, savedTo: saved } : { savedTo: saved };
  return { reply: { ...r, blocks, data }, toStdout: out === '-' };
}
