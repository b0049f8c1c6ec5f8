import { z } from 'zod';
import { findNiche } from '../../core/batches/index.js';
import { RESULTS_WINDOW_HOURS, recentStories } from '../../core/detections/index.js';
import { type Block, type Button, reply, tableBlock, usernamesBlock } from '../../reply/reply.js';
import { intArg } from './int-arg.js';
import { type AnyCommand, defineCommand } from './types.js';

function inHours(ms: number): string {
  if (ms <= 0) return 'expired';
  const m = Math.round(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m` : `${m}m`;
}

/** The result list as an attachment: plain text, one username a line. */
function fileBlock(fileName: string, content: string, caption: string): Block {
  return { type: 'file', fileName, content, caption };
}

export const resultsCommands: AnyCommand[] = [
  defineCommand({
    path: ['results'],
    summary: `Usernames with a story in the last HOURS (1-${RESULTS_WINDOW_HOURS}, default 24), of one niche or all`,
    args: [
      { name: 'name', description: 'The niche, or "all" (default)', type: 'string', autocomplete: 'niche' },
      {
        name: 'hours',
        description: `1-${RESULTS_WINDOW_HOURS} (default 24)`,
        type: 'integer',
        min: 1,
        max: 24,
      },
      {
        name: 'as',
        description: 'file: the list as a plain .txt file, one username a line, whatever its length',
        type: 'string',
        keyword: true,
        choices: ['file'],
      },
    ],
    schema: z.object({
      name: z.string().trim().optional(),
      hours: intArg('hours', 1, RESULTS_WINDOW_HOURS).optional(),
      as: z.literal('file', { error: 'as must be file' }).optional(),
    }),
    async handler(input, ctx) {
      let name = input.name;
      let hours = input.hours;
      // `/results 6`: a lone number is the hours, not a niche name.
      if (hours === undefined && name && /^\d+$/.test(name)) {
        hours = Number(name);
        name = undefined;
        if (hours < 1 || hours > RESULTS_WINDOW_HOURS) {
          return reply.error(`hours must be from 1 to ${RESULTS_WINDOW_HOURS}; got ${hours}`);
        }
      }
      hours ??= RESULTS_WINDOW_HOURS;
      const niche = name && name.toLowerCase() !== 'all' ? await findNiche(ctx.core, name) : undefined;
      const rows = await recentStories(ctx.core, { hours, ...(niche ? { nicheId: niche.id } : {}) });
      const scope = niche ? niche.name : 'all niches';
      if (rows.length === 0) {
        return reply.text(`No stories seen in the last ${hours} h (${scope}).`, 'info', { usernames: [] });
      }
      const now = ctx.core.clock.now().getTime();
      const usernames = rows.map((r) => r.username);
      const title = `Stories in the last ${hours} h, ${scope}, newest first`;
      const fileName = `stories-${niche ? niche.name.replace(/[^A-Za-z0-9_-]/g, '_') : 'all'}-${hours}h.txt`;
      if (input.as === 'file') {
        return reply.of(
          [fileBlock(fileName, `${usernames.join('\n')}\n`, `${title} (${usernames.length})`)],
          {
            data: { hours, niche: niche?.name ?? null, usernames, fileName },
          },
        );
      }
      // In a chat, a long list arrives in pieces or inline: one press sends every name as a .txt to
      // copy or forward whole. A shell prints the list whole already (and has --as file).
      const copyAll: Button = {
        label: 'Copy all (.txt)',
        command: 'results',
        args: { name: niche?.name ?? 'all', hours, as: 'file' },
      };
      return reply.of(
        [
          usernamesBlock(title, usernames, fileName),
          tableBlock(
            ['username', 'niche', 'seen', 'expires in'],
            rows.map((r) => [
              r.username,
              r.niche ?? '-',
              `${inHours(now - r.detectedAt.getTime())} ago`,
              inHours(r.expiresAt.getTime() - now),
            ]),
          ),
        ],
        {
          ...(ctx.actor.noChat ? {} : { buttons: [copyAll] }),
          data: {
            hours,
            niche: niche?.name ?? null,
            usernames,
            rows: rows.map((r) => ({
              ...r,
              detectedAt: r.detectedAt.toISOString(),
              expiresAt: r.expiresAt.toISOString(),
            })),
          },
        },
      );
    },
  }),
];
