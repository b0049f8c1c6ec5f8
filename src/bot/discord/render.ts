import { statSync } from 'node:fs';
import { type Block, formatTable, type Reply, renderPlain, type Tone } from '../../reply/reply.js';

/** Discord's limit on a message's content. */
export const CONTENT_LIMIT = 2000;
/** Discord's limit on attachments per message. */
const MAX_FILES = 10;
/** Discord's upload limit for a bot in a server without boosts. */
export const UPLOAD_LIMIT = 10 * 1024 * 1024;

export interface DiscordFile {
  name: string;
  data: Buffer;
  /** The content is this file on disk (a large export), uploaded from there; `data` is then empty. */
  path?: string;
}

/** The PNGs of a reply's chart blocks, drawn before rendering (drawing is async, rendering is not). */
export type ChartPictures = ReadonlyMap<Block, Buffer>;

/** A file block as an attachment: from memory, or from its temporary file on disk; a chart as its PNG. */
function attachmentOf(b: Extract<Block, { type: 'file' }>): DiscordFile {
  return b.path
    ? { name: b.fileName, data: Buffer.alloc(0), path: b.path }
    : { name: b.fileName, data: Buffer.from(b.content) };
}

export interface RenderedMessage {
  content: string;
  files: DiscordFile[];
}

const TONE_PREFIX: Record<Tone, string> = { info: '', success: '✅ ', warning: '⚠️ ', error: '⛔ ' };

/** One block as it shows inline, and how it shows when it has to become an attachment instead. */
interface Piece {
  inline: string;
  file?: { name: string; content: string; note: string };
  /** Attachments this block always carries (file blocks). */
  attached?: DiscordFile;
}

/**
 * Renders a neutral Reply as one Discord message. Nothing is ever cut: lists and tables are code
 * blocks while the whole message fits 2,000 characters, and the largest of them move to .txt
 * attachments until it does (long text too, as message.txt).
 */
export function renderDiscordReply(
  r: Reply,
  uploadLimit = UPLOAD_LIMIT,
  pictures: ChartPictures = new Map(),
): RenderedMessage {
  const pieces = r.blocks.map((b) => pieceFor(b, uploadLimit, pictures));
  const content = () =>
    pieces
      .map((p) => p.inline)
      .filter((s) => s !== '')
      .join('\n\n');
  while (content().length > CONTENT_LIMIT) {
    const movable = pieces.filter((p) => p.file && p.inline !== p.file.note);
    const largest = movable.sort((a, b) => b.inline.length - a.inline.length)[0];
    if (!largest?.file) return wholeAsFile(r, pictures);
    largest.inline = largest.file.note;
  }
  const files: DiscordFile[] = [];
  for (const p of pieces) {
    if (p.attached) files.push(p.attached);
    if (p.file && p.inline === p.file.note)
      files.push({ name: p.file.name, data: Buffer.from(p.file.content) });
  }
  if (files.length > MAX_FILES) return wholeAsFile(r, pictures);
  const text = content();
  return { content: text === '' && files.length === 0 ? 'Done.' : text, files: uniqueNames(files) };
}

function pieceFor(b: Block, uploadLimit: number, pictures: ChartPictures): Piece {
  switch (b.type) {
    case 'text': {
      const prefix = TONE_PREFIX[b.tone ?? 'info'];
      return {
        inline: `${prefix}${escapeText(b.text)}`,
        file: {
          name: 'message.txt',
          content: `${b.text}\n`,
          note: `${prefix}${escapeText(firstLine(b.text))} … (the full text is attached as message.txt)`,
        },
      };
    }
    case 'usernames': {
      const title = `**${escapeText(b.title)} (${b.usernames.length})**`;
      if (b.usernames.length === 0) return { inline: title };
      const list = b.usernames.join('\n');
      return {
        inline: `${title}\n${codeBlock(list)}`,
        file: {
          name: b.fileName,
          content: `${list}\n`,
          note: `${title}: the full list is attached as ${b.fileName}`,
        },
      };
    }
    case 'table': {
      const table = formatTable(b.columns, b.rows);
      return {
        inline: codeBlock(table),
        file: {
          name: 'table.txt',
          content: `${table}\n`,
          note: `The table (${b.rows.length} rows) is attached as table.txt`,
        },
      };
    }
    case 'file': {
      const size = b.path ? statSync(b.path).size : 0;
      if (size > uploadLimit)
        return { inline: `${TONE_PREFIX.warning}${escapeText(tooLarge(b, size, uploadLimit))}` };
      const attached = attachmentOf(b);
      if (!b.caption) return { inline: '', attached };
      return {
        inline: escapeText(b.caption),
        attached,
        file: { name: 'caption.txt', content: `${b.caption}\n`, note: `Attached: ${b.fileName}` },
      };
    }
    case 'chart': {
      const data = pictures.get(b);
      if (!data) return { inline: `${escapeText(b.caption)} (the picture was not drawn)` };
      return {
        inline: escapeText(b.caption),
        attached: { name: b.fileName, data },
        file: { name: 'caption.txt', content: `${b.caption}\n`, note: `Attached: ${b.fileName}` },
      };
    }
  }
}

/** Says why a file on disk (an export) is not attached, and what to do instead. */
function tooLarge(b: { fileName: string; caption?: string }, size: number, limit: number): string {
  const mb = (n: number) =>
    n < 1024 * 1024 ? `${Math.ceil(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${b.caption ? `${b.caption} ` : ''}${b.fileName} is ${mb(size)}, over Discord's upload limit of ${mb(limit)}: export a smaller part (one niche, active only), or the whole list from the console or Telegram.`;
}

/** Last resort when even the notes do not fit: the whole reply as plain text in one attachment. */
function wholeAsFile(r: Reply, pictures: ChartPictures): RenderedMessage {
  const extra = r.blocks.flatMap((b): DiscordFile[] => {
    if (b.type === 'file') return [attachmentOf(b)];
    const data = b.type === 'chart' ? pictures.get(b) : undefined;
    return b.type === 'chart' && data ? [{ name: b.fileName, data }] : [];
  });
  return {
    content: 'The reply is too long for one message; it is attached as reply.txt.',
    files: uniqueNames([{ name: 'reply.txt', data: Buffer.from(`${renderPlain(r)}\n`) }, ...extra]).slice(
      0,
      MAX_FILES,
    ),
  };
}

/** The opening of a text that moved to message.txt (the whole text is in the file). */
function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.slice(0, 200);
}

/** Two attachments with one name would make the second unreachable by name: number the repeats. */
function uniqueNames(files: DiscordFile[]): DiscordFile[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const n = (seen.get(f.name) ?? 0) + 1;
    seen.set(f.name, n);
    if (n === 1) return f;
    const dot = f.name.lastIndexOf('.');
    const name = dot > 0 ? `${f.name.slice(0, dot)}-${n}${f.name.slice(dot)}` : `${f.name}-${n}`;
    return { ...f, name };
  });
}

/** A fenced block; a fence inside the text is broken with a zero-width space so it cannot close early. */
export function codeBlock(text: string): string {
  return `\`\`\`\n${text.replace(/```/g, '``\u200b`')}\n\`\`\``;
}

/**
 * Escapes Discord markdown in operator-facing text so usernames like `a_b_c` show as written, while
 * `inline code` spans (command names in help texts) stay code.
 */
export function escapeText(text: string): string {
  return text
    .split(/(`[^`\n]+`)/g)
    .map((part, i) =>
      i % 2 === 1 ? part : part.replace(/[\\*_~|]/g, '\\$&').replace(/^(\s*)([#>-])/gm, '$1\\$2'),
    )
    .join('');
}
