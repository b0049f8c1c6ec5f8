import { z } from 'zod';
import { createNiche, listNiches, moveNiche, removeNiche, renameNiche } from '../../core/niches.js';
import { reply, tableBlock, textBlock } from '../../reply/reply.js';
import { wholeNumberArg } from './int-arg.js';
import { quoteWord } from './quote-word.js';
import { type AnyCommand, defineCommand } from './types.js';

const nameArg = (description = 'The niche name (quote it if it has spaces)') =>
  ({ name: 'name', description, type: 'string', required: true, autocomplete: 'niche' }) as const;
const nameSchema = z.string({ error: 'give the niche name' }).trim().min(1, 'give the niche name');

export const nicheCommands: AnyCommand[] = [
  defineCommand({
    path: ['niche', 'list'],
    summary: 'List niches with profile counts and daily targets',
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const list = await listNiches(ctx.core);
      const u = list.unassigned;
      if (list.niches.length === 0) {
        return reply.text(
          `No niches yet. Add one with \`niche add NAME\`.${u.active + u.deleted > 0 ? ` Unassigned profiles: ${u.active} active, ${u.deleted} deleted.` : ''}`,
          'info',
          list,
        );
      }
      const rows = list.niches.map((n) => [
        String(n.position),
        n.name,
        String(n.active),
        String(n.deleted),
        n.dailyTarget === 0 ? 'off' : String(n.dailyTarget),
      ]);
      if (u.active + u.deleted > 0)
        rows.push(['-', '(unassigned)', String(u.active), String(u.deleted), '-']);
      return reply.of(
        [
          textBlock(`${list.niches.length} niche${list.niches.length === 1 ? '' : 's'}:`),
          tableBlock(['#', 'niche', 'active', 'deleted', 'target/day'], rows),
        ],
        { data: list },
      );
    },
  }),
  defineCommand({
    path: ['niche', 'add'],
    summary: 'Create a niche',
    args: [nameArg('The new niche name, 1-50 characters (quote it if it has spaces)')],
    schema: z.object({ name: nameSchema }),
    async handler(input, ctx) {
      const niche = await createNiche(ctx.core, input.name);
      return reply.success(
        `Niche "${niche.name}" created at position ${niche.position}. Import profiles with \`import ${quoteWord(ctx.actor, niche.name)}\` and a .txt file.`,
        { niche },
      );
    },
  }),
  defineCommand({
    path: ['niche', 'rename'],
    summary: 'Rename a niche',
    args: [
      nameArg(),
      { name: 'newName', description: 'The new name, 1-50 characters', type: 'string', required: true },
    ],
    schema: z.object({
      name: nameSchema,
      newName: z.string({ error: 'give the new name' }).trim().min(1, 'give the new name'),
    }),
    async handler(input, ctx) {
      const { from, niche } = await renameNiche(ctx.core, input.name, input.newName);
      return reply.success(`Niche "${from}" is now called "${niche.name}".`, { from, niche });
    },
  }),
  defineCommand({
    path: ['niche', 'remove'],
    summary: 'Delete a niche; its profiles become unassigned',
    args: [nameArg()],
    schema: z.object({ name: nameSchema }),
    async handler(input, ctx) {
      const removed = await removeNiche(ctx.core, input.name);
      const n = removed.unassigned;
      return reply.success(
        `Niche "${removed.niche.name}" removed. ${n} profile${n === 1 ? '' : 's'} became unassigned (see \`profiles list unassigned\`; move them with \`profiles move NAME USER...\`).`,
        removed,
      );
    },
  }),
  defineCommand({
    path: ['niche', 'move'],
    summary: 'Move a niche to a position in the list (display order only)',
    args: [
      nameArg(),
      {
        name: 'position',
        description: 'The new position, 1 = first',
        type: 'integer',
        required: true,
        min: 1,
      },
    ],
    schema: z.object({ name: nameSchema, position: wholeNumberArg('position') }),
    async handler(input, ctx) {
      const ordered = await moveNiche(ctx.core, input.name, input.position);
      const moved = ordered.find((n) => n.position === input.position);
      return reply.success(
        `Niche "${moved?.name ?? input.name}" is now at position ${input.position}. Order: ${ordered.map((n) => n.name).join(', ')}.`,
        { niches: ordered },
      );
    },
  }),
];
