import { maskSecrets } from '../core/mask.js';
import type { Block, Reply } from './reply.js';

/** Every string inside a JSON-like value, masked (the `--json` payload of a reply). */
function maskDeep(value: unknown): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (Array.isArray(value)) return value.map(maskDeep);
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v)]));
}

function maskBlock(b: Block): Block {
  switch (b.type) {
    case 'text':
      return { ...b, text: maskSecrets(b.text) };
    case 'table':
      return {
        ...b,
        columns: b.columns.map((c) => maskSecrets(c)),
        rows: b.rows.map((r) => r.map((c) => maskSecrets(c))),
      };
    case 'file':
      return {
        ...b,
        content: maskSecrets(b.content),
        ...(b.caption === undefined ? {} : { caption: maskSecrets(b.caption) }),
      };
    case 'chart':
      // Niche names are validated, but the caption and the data are text like any other.
      return { ...b, caption: maskSecrets(b.caption), chart: maskDeep(b.chart) as typeof b.chart };
    case 'usernames':
      // Validated usernames cannot hold a credential; the title can quote what was typed.
      return { ...b, title: maskSecrets(b.title) };
  }
}

/**
 * A reply as it may leave for a chat or a terminal: every text, cell, caption, button label and data
 * string through the same masker the logs use. Handlers quote what the operator typed ("got ...") and
 * that can be a proxy line or a cookie; this is the one place that makes sure none goes out.
 */
export function maskReply(r: Reply): Reply {
  return {
    ...r,
    blocks: r.blocks.map(maskBlock),
    ...(r.buttons ? { buttons: r.buttons.map((b) => ({ ...b, label: maskSecrets(b.label) })) } : {}),
    ...(r.data === undefined ? {} : { data: maskDeep(r.data) }),
  };
}
