import { z } from 'zod';
import { addProxies, listProxies, PROXY_FORMATS, removeProxy } from '../../core/proxies/index.js';
import { type Block, reply, tableBlock, textBlock } from '../../reply/reply.js';
import { type AnyCommand, defineCommand } from './types.js';

/**
 * Text front-ends give the rest of the message as words (line breaks are lost), Discord as one
 * string. Words become one entry per line; a `# comment` is dropped up to the next word that looks
 * like a proxy (has ":" or "@"), since its end of line is no longer known.
 */
export function wordsToLines(words: readonly string[]): string {
  const lines: string[] = [];
  let inComment = false;
  for (const word of words) {
    if (word.startsWith('#')) {
      inComment = true;
      continue;
    }
    if (inComment && !word.includes(':') && !word.includes('@')) continue;
    inComment = false;
    lines.push(word);
  }
  return lines.join('\n');
}

const linesArg = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? wordsToLines(v) : v))
  .refine((v) => v.trim() !== '', `give at least one proxy: ${PROXY_FORMATS}`);

function ago(date: Date | null, now: Date): string {
  if (!date) return '-';
  const s = Math.round((date.getTime() - now.getTime()) / 1000);
  if (s <= 0) return '-';
  return s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`;
}

export const proxyCommands: AnyCommand[] = [
  defineCommand({
    path: ['proxy', 'list'],
    summary: 'List proxies with health (passwords masked)',
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const rows = await listProxies(ctx.core);
      if (rows.length === 0) {
        return reply.text(
          `No proxies yet. Add them with \`proxy add\`, one per line: ${PROXY_FORMATS}.`,
          'info',
          { proxies: [] },
        );
      }
      const now = ctx.core.clock.now();
      const table = tableBlock(
        ['id', 'proxy', 'user', 'pass', 'health', 'cooling', 'ok', 'failed', 'median', 'last error'],
        rows.map((p) => [
          String(p.id),
          p.address,
          p.username ?? '-',
          p.password || '-',
          p.enabled ? p.health : 'disabled',
          ago(p.coolingUntil, now),
          String(p.successes),
          p.failures === 0
            ? '0'
            : `${p.failures} (${Object.entries(p.failuresByOutcome)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ')})`,
          p.medianLatencyMs === null ? '-' : `${p.medianLatencyMs} ms`,
          p.lastError ? p.lastError.slice(0, 60) : '-',
        ]),
      );
      return reply.of([textBlock(`${rows.length} prox${rows.length === 1 ? 'y' : 'ies'}:`), table], {
        data: { proxies: rows },
      });
    },
  }),
  defineCommand({
    path: ['proxy', 'add'],
    summary: 'Add proxies, one per line: ip:port:user:pass or host:port',
    args: [{ name: 'proxies', description: `One per line: ${PROXY_FORMATS}`, type: 'rest', required: true }],
    schema: z.object({ proxies: linesArg }),
    sensitive: true,
    async handler(input, ctx) {
      const result = await addProxies(ctx.core, input.proxies);
      const blocks: Block[] = [];
      const { added, duplicates, refused } = result;
      const summary = `Added ${added.length}, already present ${duplicates.length}, refused ${refused.length}.`;
      blocks.push(textBlock(summary, refused.length > 0 ? 'warning' : added.length > 0 ? 'success' : 'info'));
      if (added.length > 0) {
        blocks.push(
          textBlock(
            `Added: ${added.map((a) => `#${a.id} ${a.address}${a.username ? ` (${a.username})` : ''}`).join(', ')}`,
          ),
        );
      }
      if (duplicates.length > 0) {
        blocks.push(
          textBlock(
            `Already present: ${duplicates
              .map(
                (d) =>
                  `line ${d.lineNumber} ${d.address}${d.existingId !== undefined ? ` (#${d.existingId})` : d.repeatsLine !== undefined ? ` (repeats line ${d.repeatsLine})` : ''}`,
              )
              .join(', ')}`,
          ),
        );
      }
      if (refused.length > 0) {
        blocks.push(
          textBlock(
            `Refused:\n${refused.map((r) => `line ${r.lineNumber}: ${r.shown}: ${r.reason}`).join('\n')}\nAccepted formats: ${PROXY_FORMATS}.`,
            'warning',
          ),
        );
      }
      return reply.of(blocks, {
        data: {
          added: added.map((a) => ({
            id: a.id,
            address: a.address,
            username: a.username,
            line: a.lineNumber,
          })),
          duplicates,
          refused,
        },
      });
    },
  }),
  defineCommand({
    path: ['proxy', 'remove'],
    summary: 'Remove a proxy by id or host:port',
    args: [
      {
        name: 'proxy',
        description: 'The proxy id (from `proxy list`) or host:port',
        type: 'string',
        required: true,
      },
    ],
    schema: z.object({ proxy: z.string().min(1, 'give a proxy id or host:port') }),
    async handler(input, ctx) {
      const removed = await removeProxy(ctx.core, input.proxy);
      return reply.success(
        `Removed proxy #${removed.id} ${removed.address}${removed.username ? ` (${removed.username})` : ''}. Requests already running through it finish; no new ones start.`,
        { removed },
      );
    },
  }),
  defineCommand({
    path: ['proxy', 'test'],
    summary: 'Test every proxy (or one) with a real request to Instagram',
    args: [{ name: 'id', description: 'Only this proxy id', type: 'integer', min: 1 }],
    schema: z.object({ id: z.coerce.number().int().min(1, 'a proxy id is 1 or more').optional() }),
    slow: true,
    async handler(input, ctx) {
      if (!ctx.services.testProxies) {
        return reply.error(
          'Proxy testing is not available in this process (it runs where the checker is configured). Try again from the bot or worker.',
        );
      }
      return ctx.services.testProxies(input.id);
    },
  }),
];
