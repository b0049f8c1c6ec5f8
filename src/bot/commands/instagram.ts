import { z } from 'zod';
import type { DoctorReport } from '../../checker/doctor.js';
import type { RouteView } from '../../checker/route-health.js';
import {
  displayValue,
  getInstagramConfig,
  IDENTIFIER_SOURCES,
  INSTAGRAM_KEYS,
  instagramOverrides,
  resetInstagramSetting,
  setInstagramSetting,
} from '../../core/instagram/index.js';
import { type Reply, reply, tableBlock, textBlock } from '../../reply/reply.js';
import { type AnyCommand, defineCommand } from './types.js';

const SOURCED: Record<string, keyof typeof IDENTIFIER_SOURCES> = {
  app_id: 'appId',
  asbd_id: 'asbdId',
  user_agent: 'userAgent',
  reel_query_id: 'reelQueryId',
  reels_query_hash: 'reelsQueryHash',
};

const ago = (ms: number, now: number) => {
  if (!ms) return 'never';
  const m = Math.round((now - ms) / 60_000);
  return m < 1 ? 'just now' : m < 120 ? `${m} min ago` : `${Math.round(m / 60)} h ago`;
};

function healthRows(view: RouteView[], now: number): string[][] {
  return view.map((r) => {
    const state =
      r.status === 'suspended'
        ? `suspended, retried in ${Math.max(1, Math.round((r.until - now) / 60_000))} min`
        : r.status === 'probation'
          ? 'on probation (next request tries it)'
          : r.walledLanes > 0
            ? `active, ${r.walledLanes} lane${r.walledLanes === 1 ? '' : 's'} walled`
            : 'active';
    const counts = Object.entries(r.answers)
      .sort((a, b) => b[1] - a[1])
      .map(([cls, n]) => `${cls} ${n}`)
      .join(', ');
    return [
      r.route,
      state,
      ago(r.lastOkAt, now),
      counts || '-',
      r.status === 'active' ? '' : r.reason.slice(0, 120),
    ];
  });
}

/** The doctor's table, with a line per route that did not work. */
export function renderDoctor(report: DoctorReport): Reply {
  const broken = report.routes.filter((r) => r.tried > 0 && !r.worked);
  const working = report.routes.filter((r) => r.worked).map((r) => r.route);
  const head = `Probed every route through every proxy and session with canary @${report.canary}${report.canaryId ? ` (id ${report.canaryId})` : ''}: ${working.length > 0 ? `working: ${working.join(', ')}` : 'no route answered'}${broken.length > 0 ? `; not working: ${broken.map((r) => r.route).join(', ')}` : ''}.`;
  return reply.of(
    [
      textBlock(head, broken.length > 0 || working.length === 0 ? 'warning' : 'success'),
      tableBlock(
        ['route', 'via', 'answer', 'latency', 'sample'],
        report.rows.map((r) => [
          r.route,
          r.via,
          r.answer,
          r.latencyMs === null ? '-' : `${r.latencyMs} ms`,
          r.sample,
        ]),
      ),
    ],
    { data: report },
  );
}

export const instagramCommands: AnyCommand[] = [
  defineCommand({
    path: ['instagram', 'routes'],
    summary: "Show how storywatch reaches Instagram: identifiers, route order and each route's health",
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const config = await getInstagramConfig(ctx.core);
      const changed = await instagramOverrides(ctx.core);
      const now = ctx.core.clock.now().getTime();
      const blocks = [
        textBlock(
          'Instagram settings (change with `instagram set KEY VALUE`, undo with `instagram reset KEY`):',
        ),
        tableBlock(
          ['key', 'value', 'source'],
          INSTAGRAM_KEYS.map((k) => {
            const src = SOURCED[k] ? IDENTIFIER_SOURCES[SOURCED[k]] : undefined;
            return [
              k,
              displayValue(config, k),
              changed.has(k)
                ? 'set by the operator'
                : src
                  ? `default: ${src.source} (${src.date})`
                  : 'default',
            ];
          }),
        ),
      ];
      let view: RouteView[] | undefined;
      if (ctx.services.instagramRoutes) {
        view = await ctx.services.instagramRoutes();
        blocks.push(
          textBlock('Route health, shared by every worker:'),
          tableBlock(['route', 'state', 'last success', 'answers', 'why'], healthRows(view, now)),
        );
      } else blocks.push(textBlock('Route health needs Redis, which this process cannot reach.', 'warning'));
      return reply.of(blocks, { data: { config, changed: [...changed], routes: view ?? null } });
    },
  }),
  defineCommand({
    path: ['instagram', 'set'],
    summary: 'Change an Instagram identifier, a route order or the canaries, without a deploy',
    args: [
      { name: 'key', description: INSTAGRAM_KEYS.join(', '), type: 'string', required: true },
      { name: 'value', description: 'The new value', type: 'rest', required: true },
    ],
    schema: z.object({
      key: z.string().min(1, `give one of ${INSTAGRAM_KEYS.join(', ')}`),
      value: z
        .union([z.string(), z.array(z.string())])
        .transform((v) => (Array.isArray(v) ? v.join(' ') : v))
        .refine((v) => v.trim() !== '', 'give the new value'),
    }),
    async handler(input, ctx) {
      const r = await setInstagramSetting(ctx.core, input.key, input.value);
      return reply.success(
        `Instagram ${r.key} set to ${r.value} (was ${r.previous}). Every worker uses it within seconds; \`instagram doctor\` tries it now.`,
        { key: r.key, value: r.value, previous: r.previous },
      );
    },
  }),
  defineCommand({
    path: ['instagram', 'reset'],
    summary: 'Put an Instagram setting back to its default',
    args: [{ name: 'key', description: INSTAGRAM_KEYS.join(', '), type: 'string', required: true }],
    schema: z.object({ key: z.string().min(1, `give one of ${INSTAGRAM_KEYS.join(', ')}`) }),
    async handler(input, ctx) {
      const r = await resetInstagramSetting(ctx.core, input.key);
      return reply.success(`Instagram ${r.key} is back to its default, ${r.value} (was ${r.previous}).`, r);
    },
  }),
  defineCommand({
    path: ['instagram', 'doctor'],
    summary: 'Try every Instagram route through every proxy and session against a canary',
    args: [],
    schema: z.object({}),
    slow: true,
    async handler(_input, ctx) {
      if (!ctx.services.instagramDoctor)
        return reply.error(
          'The doctor needs Redis and the proxies, which this process does not have. Run it from the bot or the console.',
        );
      return renderDoctor(await ctx.services.instagramDoctor());
    },
  }),
];
