import { z } from 'zod';
import { storiesTodayLookup } from '../../core/stories-today.js';
import { listTargets, setTarget, TARGET_MAX, TARGET_MIN } from '../../core/targets.js';
import { reply, tableBlock, textBlock } from '../../reply/reply.js';
import { intArg } from './int-arg.js';
import { nextAutoBatchLine } from './next-auto-batch.js';
import { type AnyCommand, defineCommand } from './types.js';

export const targetCommands: AnyCommand[] = [
  defineCommand({
    path: ['target', 'list'],
    summary: 'Daily story target and stories today per niche, and when the next automatic batch runs',
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const targets = await listTargets(ctx.core);
      if (targets.length === 0) {
        return reply.text('No niches yet. Add one with `niche add NAME`.', 'info', { targets });
      }
      const now = ctx.core.clock.now();
      const timeZone = ctx.services.timeZone ?? 'UTC';
      // The count the auto-trigger compares with the target (stories-today.ts), so both say the same.
      const today = await storiesTodayLookup(ctx.core, { timeZone, now });
      const rows = targets.map((t) => ({ ...t, today: today(t.nicheId) }));
      const behind = rows
        .filter((r) => r.dailyTarget > 0 && r.today < r.dailyTarget)
        .map((r) => ({ niche: r.niche, left: r.dailyTarget - r.today }));
      // Only asked when a batch is due: it needs Redis, which a list of targets should not wait for.
      const next =
        behind.length > 0 && ctx.services.nextAutoBatch
          ? await ctx.services.nextAutoBatch().catch(() => undefined)
          : undefined;
      const line = nextAutoBatchLine({
        next,
        behind,
        anyTarget: rows.some((r) => r.dailyTarget > 0),
        now,
        timeZone,
      });
      return reply.of(
        [
          textBlock(
            `Daily story targets and stories today (since midnight ${timeZone}); 0 = no automatic batches:`,
          ),
          tableBlock(
            ['niche', 'target/day', 'today'],
            rows.map((r) =>
              r.dailyTarget === 0
                ? [r.niche, '0 (off)', String(r.today)]
                : [r.niche, String(r.dailyTarget), `${r.today}/${r.dailyTarget}`],
            ),
          ),
          textBlock(line),
        ],
        {
          data: {
            targets: rows,
            timeZone,
            nextAutoBatch: next ? { ...next } : null,
            behind,
          },
        },
      );
    },
  }),
  defineCommand({
    path: ['target', 'set'],
    summary: `Set a niche's daily story target (${TARGET_MIN}-${TARGET_MAX}, 0 = off)`,
    args: [
      { name: 'name', description: 'The niche', type: 'string', required: true, autocomplete: 'niche' },
      {
        name: 'count',
        description: `Stories per day, ${TARGET_MIN}-${TARGET_MAX} (0 turns automatic batches off)`,
        type: 'integer',
        required: true,
        min: TARGET_MIN,
        max: TARGET_MAX,
      },
    ],
    schema: z.object({
      name: z.string({ error: 'give the niche name' }).trim().min(1, 'give the niche name'),
      count: intArg('count', TARGET_MIN, TARGET_MAX),
    }),
    async handler(input, ctx) {
      const t = await setTarget(ctx.core, input.name, input.count);
      const what =
        t.dailyTarget === 0
          ? `Daily target of "${t.niche}" set to 0: no automatic batches for it from now on`
          : `Daily target of "${t.niche}" set to ${t.dailyTarget} stories (was ${t.previous}); it applies to batches triggered from now on`;
      return reply.success(`${what}. A batch already running keeps its size.`, t);
    },
  }),
];
