/**
 * The one platform-neutral message model. Command handlers return it, the worker sends it through the
 * delivery queue, and each front-end renders it once (Discord: code blocks / attachments within 2,000
 * characters; Telegram: <pre> / documents within 4,096; console: plain text or --json).
 */
import type { StatsHistory } from '../core/stats-history.js';

export type Tone = 'info' | 'success' | 'warning' | 'error';

export type Block =
  | { type: 'text'; text: string; tone?: Tone }
  /** A copyable list. Renderers send it whole: as a code block when it fits, else as a .txt file. */
  | { type: 'usernames'; title: string; usernames: readonly string[]; fileName: string }
  | { type: 'table'; columns: readonly string[]; rows: ReadonlyArray<readonly string[]> }
  /**
   * A file sent as an attachment. With `path`, the content is that temporary file on disk (content is
   * ''): a front-end uploads it from disk, then deletes it (`discardReplyFiles`), so a large export never
   * sits in memory.
   */
  | { type: 'file'; fileName: string; content: string; caption?: string; path?: string }
  /**
   * A picture, carried as the numbers it is drawn from (plain JSON: a digest travels through the
   * outbox), and drawn as a PNG only where it is sent: a photo on Telegram, an attachment on Discord, a
   * file on the console (src/charts).
   */
  | { type: 'chart'; fileName: string; caption: string; chart: StatsHistory };

/** A button re-invokes a command with these arguments (page navigation, confirmations). */
export interface Button {
  label: string;
  command: string;
  args: Record<string, string | number>;
}

export interface Reply {
  blocks: Block[];
  buttons?: Button[];
  /** Shown only to the operator (Discord ephemeral); set for anything derived from credentials. */
  ephemeral?: boolean;
  /** Machine-readable payload for `--json` and tests; never contains secrets. */
  data?: unknown;
  /** Later deliveries with this replaceKey edit the message this reply became (batch progress). */
  progressKey?: string;
}

export const reply = {
  text(text: string, tone: Tone = 'info', data?: unknown): Reply {
    return { blocks: [{ type: 'text', text, tone }], data };
  },
  success(text: string, data?: unknown): Reply {
    return reply.text(text, 'success', data);
  },
  error(text: string, data?: unknown): Reply {
    return reply.text(text, 'error', data);
  },
  of(blocks: Block[], extra: Omit<Reply, 'blocks'> = {}): Reply {
    return { blocks, ...extra };
  },
};

export function textBlock(text: string, tone?: Tone): Block {
  return tone ? { type: 'text', text, tone } : { type: 'text', text };
}

export function usernamesBlock(title: string, usernames: readonly string[], fileName: string): Block {
  return { type: 'usernames', title, usernames, fileName };
}

export function tableBlock(columns: readonly string[], rows: ReadonlyArray<readonly string[]>): Block {
  return { type: 'table', columns, rows };
}

/** A file block whose content is a temporary file at `path`, deleted once the reply is sent. */
export function fileOnDiskBlock(fileName: string, path: string, caption?: string): Block {
  return caption
    ? { type: 'file', fileName, content: '', caption, path }
    : { type: 'file', fileName, content: '', path };
}

/** The stats chart (stories per niche per day against the targets, hit rates) as a reply block. */
export function chartBlock(fileName: string, caption: string, chart: StatsHistory): Block {
  return { type: 'chart', fileName, caption, chart };
}

/** Plain-text rendering shared by the console and by tests; chat renderers build on the same blocks. */
export function renderPlain(r: Reply): string {
  const parts: string[] = [];
  for (const b of r.blocks) {
    switch (b.type) {
      case 'text':
        parts.push(b.tone === 'error' ? `Error: ${b.text}` : b.text);
        break;
      case 'usernames':
        parts.push(`${b.title} (${b.usernames.length})`, b.usernames.join('\n'));
        break;
      case 'table':
        parts.push(formatTable(b.columns, b.rows));
        break;
      case 'file':
        if (b.path) parts.push(b.caption ? `${b.caption}\n(${b.fileName})` : `(${b.fileName})`);
        else parts.push(b.caption ? `${b.caption}\n${b.content}` : b.content);
        break;
      case 'chart':
        parts.push(`${b.caption}\n(${b.fileName})`);
        break;
    }
  }
  if (r.buttons?.length) parts.push(r.buttons.map((btn) => `[${btn.label}]`).join(' '));
  return parts.filter((p) => p !== '').join('\n\n');
}

export function formatTable(columns: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
