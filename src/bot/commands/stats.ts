import { z } from 'zod';
import { NO_PROXY_ADVICE } from '../../core/batches/create-batch.js';
import { getStats } from '../../core/stats.js';
import { HISTORY_DAYS, statsHistory } from '../../core/stats-history.js';
import { type Block, chartBlock, reply, tableBlock, textBlock } from '../../reply/reply.js';
import { type AnyCommand, defineCommand } from './types.js';

const pct = (r: number | null): string => (r === null ? '-' : `${(r * 100).toFixed(1)} %`);
const kv = (o: Record<string, number>): string =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';
const time = (d: Date): string => d.toISOString().slice(0, 16).replace('T', ' ');

/** `stats-2026-12-06-0930.png`: the operator's local time, so charts saved on the console sort by time. */
function chartFileName(at: Date, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `stats-${p.year}-${p.month}-${p.day}-${p.hour}${p.minute}.png`;
}

const errorsOf = (byClass: Record<string, number>) => Object.values(byClass).reduce((a, n) => a + n, 0);

export const statsCommands: AnyCommand[] = [
  defineCommand({
    path: ['stats'],
    summary: 'Today: checks, stories and hit rate per niche; last 24 h: batches, imports, errors; proxies',
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const s = await getStats(ctx.core, { timeZone: ctx.services.timeZone ?? 'UTC' });
      const blocks: Block[] = [
        textBlock(
          `Today (${s.day.timeZone}): ${s.totals.checks} checks, ${s.totals.stories} stories, hit rate ${pct(s.totals.hitRate)}. Master list: ${s.profiles.active} active, ${s.profiles.deleted} deleted, ${s.profiles.unassigned} unassigned.`,
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
          `Batches (24 h and active): ${kv(s.batches.byStatus)}; ${s.batches.checked - errorsOf(s.batches.errors)} profiles answered, ${s.batches.stories} stories, ${errorsOf(s.batches.errors)} checks failed.`,
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
              : `Proxies: none, so batches cannot run. ${NO_PROXY_ADVICE}`
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
          `Errors (24 h): ${s.errors.count}: ${errorsOf(s.errors.checks)} checks failed${errorsOf(s.errors.checks) > 0 ? ` (${kv(s.errors.checks)})` : ''}, ${s.errors.service} service errors. Failed checks are not in the hit rates.${s.errors.recent.length > 0 ? `\nRecent:\n${s.errors.recent.map((e) => `${time(e.at)} [${e.kind}] ${e.message}`).join('\n')}` : ''}`,
          s.errors.count > 0 ? 'warning' : 'info',
        ),
        textBlock(
          `Deliveries to chats (24 h): ${Object.keys(s.deliveries.byStatus).length > 0 ? kv(s.deliveries.byStatus) : 'none'}.${s.deliveries.refused.length > 0 ? `\nRefused for good (no more digests there until \`digest here\`):\n${s.deliveries.refused.map((r) => `${r.platform} ${r.chatId}: ${r.reason ?? ''}`).join('\n')}` : ''}`,
          s.deliveries.refused.length > 0 ? 'warning' : 'info',
        ),
      );
      const next = ctx.services.nextAutoRun ? await ctx.services.nextAutoRun().catch(() => null) : null;
      if (next) blocks.push(textBlock(`Automatic batches: ${next}.`));
      const history = await statsHistory(ctx.core, { timeZone: s.day.timeZone, now: s.until });
      blocks.push(
        chartBlock(
          chartFileName(s.until, s.day.timeZone),
          `Chart: stories per niche per day for the last ${HISTORY_DAYS} days (${s.day.timeZone}) against each niche's daily target, and each niche's hit rate.`,
          history,
        ),
      );
      return reply.of(blocks, { data: { ...s, history } });
    },
  }),
];
