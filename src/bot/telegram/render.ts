import type { StatsHistory } from '../../core/stats-history.js';
import { formatTable, type Reply, type Tone } from '../../reply/reply.js';
import { escapeHtml } from './html.js';

/** Telegram's limits, counted on the visible text (entities parsed), as the Bot API counts them. */
export const MESSAGE_LIMIT = 4096;
export const CAPTION_LIMIT = 1024;

export type Outgoing =
  | { kind: 'text'; html: string }
  /** `path`: the content is that file on disk (uploaded from there), `content` is then ''. */
  | { kind: 'document'; fileName: string; content: string; captionHtml?: string; path?: string }
  /** A chart: drawn as a PNG when it is sent (send-reply.ts), not here. */
  | { kind: 'photo'; fileName: string; chart: StatsHistory; captionHtml?: string };

/** One rendered piece: its HTML and the length Telegram will count. */
interface Part {
  html: string;
  visible: number;
}

const TONE_PREFIX: Record<Tone, string> = { info: '', success: '✅ ', warning: '⚠️ ', error: '⛔ ' };

function part(html: string, visible: string): Part {
  return { html, visible: visible.length };
}

/**
 * Renders a neutral Reply as Telegram messages and documents, in order. Nothing is cut: a list or
 * table that does not fit one message becomes a .txt document, and long text continues in the next
 * message at a line break.
 */
export function renderReply(r: Reply): Outgoing[] {
  const out: Outgoing[] = [];
  let pending: Part[] = [];
  const flush = () => {
    if (pending.length > 0) out.push({ kind: 'text', html: pending.map((p) => p.html).join('\n\n') });
    pending = [];
  };
  const add = (p: Part) => {
    const used = pending.reduce((n, q) => n + q.visible + 2, 0);
    if (pending.length > 0 && used + p.visible > MESSAGE_LIMIT) flush();
    pending.push(p);
  };
  const addDocument = (fileName: string, content: string, caption: string) => {
    flush();
    out.push({ kind: 'document', fileName, content, captionHtml: escapeHtml(truncateCaption(caption)) });
  };

  for (const b of r.blocks) {
    switch (b.type) {
      case 'text': {
        const text = `${TONE_PREFIX[b.tone ?? 'info']}${b.text}`;
        for (const chunk of splitLines(text, MESSAGE_LIMIT)) add(part(escapeHtml(chunk), chunk));
        break;
      }
      case 'usernames': {
        const title = `${b.title} (${b.usernames.length})`;
        if (b.usernames.length === 0) {
          add(part(`<b>${escapeHtml(title)}</b>`, title));
          break;
        }
        const list = b.usernames.join('\n');
        const p = part(`<b>${escapeHtml(title)}</b>\n<pre>${escapeHtml(list)}</pre>`, `${title}\n${list}`);
        if (p.visible <= MESSAGE_LIMIT) add(p);
        else addDocument(b.fileName, `${list}\n`, `${title}: the full list is attached as ${b.fileName}`);
        break;
      }
      case 'table': {
        const table = formatTable(b.columns, b.rows);
        const p = part(`<pre>${escapeHtml(table)}</pre>`, table);
        if (p.visible <= MESSAGE_LIMIT) add(p);
        else
          addDocument(
            'table.txt',
            `${table}\n`,
            `The table (${b.rows.length} rows) is attached as table.txt`,
          );
        break;
      }
      case 'file':
        if (b.caption && b.caption.length > CAPTION_LIMIT) {
          for (const chunk of splitLines(b.caption, MESSAGE_LIMIT)) add(part(escapeHtml(chunk), chunk));
          flush();
          out.push({
            kind: 'document',
            fileName: b.fileName,
            content: b.content,
            ...(b.path ? { path: b.path } : {}),
          });
        } else {
          flush();
          out.push({
            kind: 'document',
            fileName: b.fileName,
            content: b.content,
            ...(b.path ? { path: b.path } : {}),
            ...(b.caption ? { captionHtml: escapeHtml(b.caption) } : {}),
          });
        }
        break;
      case 'chart':
        flush();
        if (b.caption.length > CAPTION_LIMIT) {
          for (const chunk of splitLines(b.caption, MESSAGE_LIMIT)) add(part(escapeHtml(chunk), chunk));
          flush();
          out.push({ kind: 'photo', fileName: b.fileName, chart: b.chart });
        } else
          out.push({
            kind: 'photo',
            fileName: b.fileName,
            chart: b.chart,
            captionHtml: escapeHtml(b.caption),
          });
        break;
    }
  }
  flush();
  if (out.length === 0) out.push({ kind: 'text', html: 'Done.' });
  return out;
}

function truncateCaption(caption: string): string {
  // Captions we generate are short; this only guards the Bot API limit for long titles.
  return caption.length <= CAPTION_LIMIT ? caption : `${caption.slice(0, CAPTION_LIMIT - 1)}…`;
}

/** Splits text into chunks of at most `max` characters, at line breaks where possible, losing nothing. */
export function splitLines(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (candidate.length <= max) {
      current = candidate;
      continue;
    }
    if (current !== '') chunks.push(current);
    let rest = line;
    while (rest.length > max) {
      chunks.push(rest.slice(0, max));
      rest = rest.slice(max);
    }
    current = rest;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}
