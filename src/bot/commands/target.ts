import { z } from 'zod';
import { listTargets, setTarget, TARGET_MAX, TARGET_MIN } from '../../core/targets.js';
import { reply, tableBlock, textBlock } from '../../reply/reply.js';
import { intArg } from './int-arg.js';
import { type AnyCommand, defineCommand } from './types.js';

export const targetCommands: AnyCommand[] = [
  defineCommand({
    path: ['target', 'list'],
    summary: 'Show the daily story target of every niche',
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const targets = await listTargets(ctx.core);
      if (targets.length === 0) {
        return reply.text('No niches yet. Add one with `niche add NAME`.', 'info', { targets });
      }
      return reply.of(
        [
          textBlock('Daily story targets (0 = no automatic batches):'),
          tableBlock(
            ['niche', 'target/day'],
            targets.map((t) => [t.niche, t.dailyTarget === 0 ? '0 (off)' : String(t.dailyTarget)]),
          ),
        ],
        { data: { targets } },
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
