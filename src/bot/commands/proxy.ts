import { z } from 'zod';
import type { ProxyTestReport, ProxyTestStatus } from '../../checker/test-proxies.js';
import { addProxies, listProxies, PROXY_FORMATS, removeProxy } from '../../core/proxies/index.js';
import { type Block, type Reply, reply, tableBlock, textBlock } from '../../reply/reply.js';
import { type AnyCommand, defineCommand } from './types.js';

/**
 * Text front-ends give the rest of the message as words (line breaks are lost; quotes keep a word
 * with spaces whole), Discord as one string. Each word becomes one line. A word starting with "#"
 * starts a comment line that takes the following words up to the next one that looks like a proxy
 * (has ":" or "@", or is an IPv4 address), since its end of line is no longer known; the reply counts
 * the comments it skipped.
 */
export function wordsToLines(words: readonly string[]): string {
  const lines: string[] = [];
  let comment: string[] | undefined;
  const endComment = () => {
    if (comment) lines.push(comment.join(' '));
    comment = undefined;
  };
  for (const word of words) {
    if (word.startsWith('#')) {
      endComment();
      comment = [word];
    } else if (comment && !/[:@]/.test(word) && !/^\d{1,3}(\.\d{1,3}){3}$/.test(word)) {
      comment.push(word);
    } else {
      endComment();
      lines.push(word);
    }
  }
  endComment();
  return lines.join('\n');
}

const linesArg = z
  .union([z.string(), z.array(z.string())], { error: `give at least one proxy: ${PROXY_FORMATS}` })
  .transform((v) => (Array.isArray(v) ? wordsToLines(v) : v))
  .refine((v) => v.trim() !== '', `give at least one proxy: ${PROXY_FORMATS}`);

const REF_HINT =
  'give the proxy to remove: its id from `proxy list` (e.g. `proxy remove 3`) or its host:port';
const refArg = z.string({ error: REF_HINT }).trim().min(1, REF_HINT);

/** An optional proxy id. The text is not echoed: what was typed in its place may be a proxy password. */
const idArg = z
  .union([z.number(), z.string()])
  .transform((raw, ctx): number => {
    const text = String(raw).trim().replace(/^#/, '');
    const n = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!(n >= 1)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'the proxy id is a whole number from `proxy list`, e.g. `proxy test 3`; give none to test every proxy',
      });
      return z.NEVER;
    }
    return n;
  })
  .optional();

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function ago(date: Date | null, now: Date): string {
  if (!date) return '-';
  const s = Math.round((date.getTime() - now.getTime()) / 1000);
  if (s <= 0) return '-';
  return s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`;
}

const TEST_LABEL: Record<ProxyTestStatus, string> = {
  reachable: 'reachable',
  auth_refused: 'auth refused',
  timeout: 'timeout',
  unreachable: 'unreachable',
  skipped: 'skipped',
};

/** The reply to `proxy test`: what was found, from which host, and what it did to each proxy's health. */
export function renderProxyTest(report: ProxyTestReport, now: Date = new Date()): Reply {
  const { results } = report;
  if (results.length === 0)
    return reply.text('No proxies to test. Add some with `proxy add ip:port:user:pass`.', 'warning', {
      results,
    });
  const reachable = results.filter((r) => r.status === 'reachable').length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  const failed = results.filter((r) => r.status !== 'reachable' && r.status !== 'skipped');
  const dead = failed.filter((r) => r.health === 'dead').length;
  const failing = failed.length - dead;
  const counts = [
    `${reachable} reachable`,
    `${failing} failing (cooling down)`,
    ...(dead > 0 ? [`${dead} dead (retested automatically)`] : []),
    ...(skipped > 0 ? [`${skipped} skipped (request budget used)`] : []),
  ];
  const blocks: Block[] = [
    textBlock(
      `Tested ${plural(results.length - skipped, 'proxy', 'proxies')} against ${report.instagramUrl}, from this machine (host ${report.testedFrom}), not from the workers: ${counts.join(', ')}.`,
      failed.length > 0 ? 'warning' : skipped > 0 ? 'info' : 'success',
    ),
  ];
  if (report.budget === 'unavailable')
    blocks.push(
      textBlock(
        'Redis did not answer: the tests went out without the per-proxy request budget (still at most 4 at a time).',
        'warning',
      ),
    );
  blocks.push(
    tableBlock(
      ['id', 'proxy', 'result', 'latency', 'health', 'detail'],
      results.map((r) => {
        const cooling = ago(r.coolingUntil, now);
        return [
          String(r.id),
          r.address,
          TEST_LABEL[r.status],
          r.status === 'skipped' ? '-' : `${r.latencyMs} ms`,
          cooling === '-' ? r.health : `${r.health}, cooling ${cooling}`,
          r.detail,
        ];
      }),
    ),
  );
  return reply.of(blocks, {
    data: { results, testedFrom: report.testedFrom, budget: report.budget },
  });
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
      const { added, updated, duplicates, refused, comments, trailingComments } = result;
      const changed = added.length + updated.length;
      const failed = changed === 0 && refused.length > 0;
      const counts = [
        `Added ${added.length}`,
        ...(updated.length > 0 ? [`password updated ${updated.length}`] : []),
        `already present ${duplicates.length}`,
        `refused ${refused.length}`,
      ];
      const summary = failed ? `Nothing was added: ${counts.slice(1).join(', ')}.` : `${counts.join(', ')}.`;
      blocks.push(
        textBlock(
          summary,
          failed ? 'error' : refused.length > 0 ? 'warning' : changed > 0 ? 'success' : 'info',
        ),
      );
      const named = (a: { id: number; address: string; username: string | null }) =>
        `#${a.id} ${a.address}${a.username ? ` (${a.username})` : ''}`;
      if (added.length > 0) blocks.push(textBlock(`Added: ${added.map(named).join(', ')}`));
      if (updated.length > 0) {
        blocks.push(
          textBlock(
            `Already stored with another password, updated the password of ${updated.map(named).join(', ')} (its health starts again; \`proxy test\` checks it).`,
          ),
        );
      }
      if (duplicates.length > 0) {
        blocks.push(
          textBlock(
            `Already present: ${duplicates
              .map(
                (d) =>
                  `line ${d.lineNumber} ${d.address}${d.existingId !== undefined ? ` (#${d.existingId})` : d.repeatsLine !== undefined ? ` (repeats line ${d.repeatsLine}${d.otherPassword ? ` with another password; line ${d.repeatsLine}'s is kept` : ''})` : ''}`,
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
      if (comments.length > 0) {
        blocks.push(
          textBlock(
            `Skipped ${plural(comments.length, 'comment', 'comments')} (starting with #): line ${comments.join(', ')}.`,
          ),
        );
      }
      if (trailingComments.length > 0) {
        blocks.push(
          textBlock(
            `${trailingComments.map((n) => `line ${n}: the text after ' #' was read as a comment`).join('\n')}\n(A password containing " #" can be given as user:pass@host:port with the # written %23.)`,
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
          updated: updated.map((a) => ({
            id: a.id,
            address: a.address,
            username: a.username,
            line: a.lineNumber,
          })),
          duplicates,
          refused,
          comments,
          trailingComments,
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
        description: 'The proxy id (from `proxy list`), host:port, or the proxy as added (ip:port:user:pass)',
        type: 'string',
        required: true,
      },
    ],
    schema: z.object({ proxy: refArg }),
    // It may be given the whole proxy line, password included.
    sensitive: true,
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
    schema: z.object({ id: idArg }),
    slow: true,
    async handler(input, ctx) {
      if (!ctx.services.testProxies) {
        return reply.error(
          'Proxy testing is not available in this process (it runs where the checker is configured). Try again from the bot or worker.',
        );
      }
      return renderProxyTest(await ctx.services.testProxies(input.id), ctx.core.clock.now());
    },
  }),
];
