import { z } from 'zod';
import { getStats } from '../../core/stats.js';
import { type Block, reply, tableBlock, textBlock } from '../../reply/reply.js';
import { type AnyCommand, defineCommand } from './types.js';

const pct = (r: number | null): string => (r === null ? '-' : `${(r * 100).toFixed(1)} %`);
const kv = (o: Record<string, number>): string =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';
const time = (d: Date): string => d.toISOString().slice(0, 16).replace('T', ' ');

export const statsCommands: AnyCommand[] = [
  defineCommand({
    path: ['stats'],
    summary: 'Last 24 h: checks, stories and hit rate per niche; batches, imports, errors, proxies',
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const s = await getStats(ctx.core);
      const blocks: Block[] = [
        textBlock(
          `Last 24 h: ${s.totals.checks} checks, ${s.totals.stories} stories, hit rate ${pct(s.totals.hitRate)}. Master list: ${s.profiles.active} active, ${s.profiles.deleted} deleted, ${s.profiles.unassigned} unassigned.`,
        ),
      ];
      if (s.niches.length > 0) {
        blocks.push(
          tableBlock(
            ['niche', 'checks', 'stories', 'hit rate'],
            s.niches.map((n) => [n.niche, String(n.checks), String(n.stories), pct(n.hitRate)]),
          ),
        );
      }
      blocks.push(
        textBlock(
          `Batches (24 h and active): ${kv(s.batches.byStatus)}; ${s.batches.checked} checked, ${s.batches.stories} stories, errors: ${kv(s.batches.errors)}.`,
        ),
        textBlock(
          `Imports (24 h): ${s.imports.count}.${s.imports.recent.length > 0 ? `\n${s.imports.recent.map((e) => `${time(e.at)} ${e.message}`).join('\n')}` : ''}`,
        ),
      );
      const { proxies: p } = s;
      const requests = p.successes + p.failures;
      blocks.push(
        textBlock(
          p.total === 0
            ? ctx.services.allowDirect
              ? 'Proxies: none (checks go out directly, ALLOW_DIRECT is on).'
              : 'Proxies: none, so batches cannot run; add one with `proxy add`.'
            : `Proxies: ${p.total} (${kv(p.byHealth)}); ${p.successes} ok / ${p.failures} failed requests${requests > 0 ? ` (${pct(p.successes / requests)} ok)` : ''}.`,
        ),
      );
      const failing = p.list.filter((x) => x.failures > 0).sort((a, b) => b.failures - a.failures);
      if (failing.length > 0) {
        blocks.push(
          tableBlock(
            ['proxy', 'ok', 'failed', 'by outcome'],
            failing
              .slice(0, 5)
              .map((x) => [
                `#${x.id} ${x.address}`,
                String(x.successes),
                String(x.failures),
                kv(x.failuresByOutcome),
              ]),
          ),
        );
      }
      blocks.push(
        textBlock(
          `Errors (24 h): ${s.errors.count}.${s.errors.recent.length > 0 ? `\nRecent:\n${s.errors.recent.map((e) => `${time(e.at)} [${e.kind}] ${e.message}`).join('\n')}` : ''}`,
          s.errors.count > 0 ? 'warning' : 'info',
        ),
      );
      return reply.of(blocks, { data: s });
    },
  }),
];
