import { z } from 'zod';
import {
  type Batch,
  batchProgressKey,
  cancelBatch,
  createBatch,
  describeBatch,
  errorTotal,
  findNiche,
  listActiveBatches,
  listBatchHistory,
  nicheEmptyMessage,
} from '../../core/batches/index.js';
import type { CoreDeps } from '../../core/deps.js';
import { isUserError, UserError } from '../../core/errors.js';
import { batchSummaryReply } from '../../reply/batch-summary.js';
import { type Reply, reply, tableBlock, textBlock } from '../../reply/reply.js';
import { intArg } from './int-arg.js';
import { quoteWord } from './quote-word.js';
import { type AnyCommand, defineCommand } from './types.js';

/** How each selection policy reads in a reply ("yield first" said nothing to an operator). */
const POLICY_WORDS: Readonly<Record<string, string>> = {
  oldest: 'never or longest-ago checked first',
  yield: 'most likely to have a story first',
};

const nicheArg = z.string({ error: 'give the niche name' }).trim().min(1, 'give the niche name');

function when(d: Date | null): string {
  return d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-';
}

function historyRow(b: Batch): string[] {
  return [
    `#${b.id}`,
    b.nicheName,
    b.trigger,
    b.status.replace('_', ' '),
    `${b.checked}/${b.requested}`,
    String(b.stories),
    String(errorTotal(b)),
    when(b.createdAt),
  ];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Everything the text renderings of a batch show (history's table, status's line, the summary), for
 * `--json`: ids and statuses alone left a script to guess the rest.
 */
export function batchData(b: Batch) {
  const ended = b.finishedAt ?? null;
  return {
    id: b.id,
    niche: b.nicheName,
    nicheId: b.nicheId,
    trigger: b.trigger,
    policy: b.policy,
    status: b.status,
    requested: b.requested,
    checked: b.checked,
    stories: b.stories,
    private: b.private,
    notFound: b.notFound,
    deleted: b.deleted,
    errors: b.errors ?? {},
    errorTotal: errorTotal(b),
    createdAt: iso(b.createdAt),
    startedAt: iso(b.startedAt),
    finishedAt: iso(ended),
    durationS: b.startedAt && ended ? Math.round((ended.getTime() - b.startedAt.getTime()) / 1000) : null,
    cancelRequestedAt: iso(b.cancelRequestedAt),
    waitingReason: b.waitingReason,
    /** Why a batch stopped early (failed), as the text rendering's "Reason:". */
    stopReason: b.failureReason,
    startedFrom: b.origin?.platform ?? null,
  };
}

/** A finished batch as its starting chat gets it: the line, and the usernames with a story. */
export async function batchEndReply(core: Pick<CoreDeps, 'sql'>, b: Batch): Promise<Reply> {
  return batchSummaryReply(core, b, (usernames) => ({ ...batchData(b), usernames }));
}

export const batchCommands: AnyCommand[] = [
  defineCommand({
    path: ['batch', 'run'],
    summary: 'Check COUNT profiles of a niche now (picked by the selection policy; see settings policy)',
    args: [
      { name: 'name', description: 'The niche', type: 'string', required: true, autocomplete: 'niche' },
      { name: 'count', description: 'How many profiles to check', type: 'integer', required: true, min: 1 },
    ],
    schema: z.object({ name: nicheArg, count: intArg('count', 1, 1_000_000) }),
    slow: true,
    async handler(input, ctx) {
      const origin = { platform: ctx.actor.platform, chatId: ctx.actor.chatId, userId: ctx.actor.userId };
      const batch = await createBatch(ctx.core, {
        niche: input.name,
        count: input.count,
        trigger: 'manual',
        origin,
        allowDirect: ctx.services.allowDirect ?? false,
      }).catch((err: unknown) => {
        // Core quotes the name for a chat; a shell needs its own quoting ('deals $HOME' stays literal).
        if (isUserError(err) && err.code === 'niche_empty' && typeof err.details?.niche === 'string') {
          const name = err.details.niche;
          throw new UserError(err.code, nicheEmptyMessage(name, quoteWord(ctx.actor, name)), err.details);
        }
        throw err;
      });
      let queued = 'queued';
      if (ctx.services.enqueueBatch) {
        try {
          await ctx.services.enqueueBatch(batch.id);
        } catch (err) {
          // The batch row exists; the workers' recovery sweep queues pending batches it finds unqueued.
          ctx.core.log.warn({ batchId: batch.id, err }, 'cannot queue batch');
          queued =
            'created, but the queue is unreachable right now; a worker will pick it up within a few minutes';
        }
      } else {
        queued = 'created; a worker will pick it up within a few minutes';
      }
      return reply.of(
        [
          textBlock(
            `Batch #${batch.id} for ${batch.nicheName}: ${batch.requested} ${batch.requested === 1 ? 'profile' : 'profiles'} (${POLICY_WORDS[batch.policy] ?? batch.policy}), ${queued}. ${
              ctx.actor.seesProgress
                ? `Progress shows here; stop it with \`batch cancel ${quoteWord(ctx.actor, `#${batch.id}`)}\`.`
                : `Follow it with \`batch status\`; stop it with \`batch cancel ${quoteWord(ctx.actor, `#${batch.id}`)}\`.`
            }`,
            'success',
          ),
        ],
        {
          progressKey: batchProgressKey(batch.id),
          data: {
            batchId: batch.id,
            niche: batch.nicheName,
            requested: batch.requested,
            status: batch.status,
          },
        },
      );
    },
  }),
  defineCommand({
    path: ['batch', 'cancel'],
    summary: 'Stop a running batch (by niche name or #id); checks in flight finish and count',
    args: [{ name: 'target', description: 'Niche name or batch id (#12)', type: 'string', required: true }],
    schema: z.object({ target: z.string({ error: 'give a niche name or a batch id' }).trim().min(1) }),
    async handler(input, ctx) {
      const b = await cancelBatch(ctx.core, input.target);
      const text =
        b.status === 'cancelled'
          ? `Batch #${b.id} (${b.nicheName}) cancelled before it started.`
          : b.status !== 'in_progress'
            ? `Batch #${b.id} (${b.nicheName}) is ${b.status.replace('_', ' ')}; the ${b.checked} checked are kept.`
            : b.cancelSeenAt
              ? `Stopping batch #${b.id} (${b.nicheName}): no new checks start (its worker confirmed); the ${b.checked} done so far are kept, and checks already sent finish and count. It shows as cancelled within seconds.`
              : `Batch #${b.id} (${b.nicheName}) will stop as soon as a worker picks it up: none confirmed within 3 s (is a worker running?). The ${b.checked} done so far are kept.`;
      return reply.success(text, { batchId: b.id, status: b.status });
    },
  }),
  defineCommand({
    path: ['batch', 'status'],
    summary: 'Show pending and running batches with their progress',
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const active = await listActiveBatches(ctx.core);
      if (active.length === 0) return reply.text('No batch is running.', 'info', { batches: [] });
      const blocks = [textBlock(active.map((b) => describeBatch(b)).join('\n'))];
      const workers = ctx.services.liveWorkers ? await ctx.services.liveWorkers().catch(() => null) : null;
      if (workers === 0)
        blocks.push(
          textBlock(
            'Waiting: no worker process is running, so nothing is being checked. Start one (a process with STORYWATCH_ROLES including worker, e.g. `npm start`).',
            'warning',
          ),
        );
      return reply.of(blocks, {
        data: {
          batches: active.map(batchData),
        },
      });
    },
  }),
  defineCommand({
    path: ['batch', 'history'],
    summary: 'The last 10 batches, of one niche or all',
    args: [
      { name: 'name', description: 'The niche (all when absent)', type: 'string', autocomplete: 'niche' },
    ],
    schema: z.object({ name: nicheArg.optional() }),
    async handler(input, ctx) {
      const niche = input.name ? await findNiche(ctx.core, input.name) : undefined;
      const rows = await listBatchHistory(ctx.core, niche ? { nicheId: niche.id } : {});
      if (rows.length === 0) {
        return reply.text(niche ? `No batches for ${niche.name} yet.` : 'No batches yet.', 'info', {
          batches: [],
        });
      }
      const failed = rows.filter((b) => b.failureReason).map((b) => `#${b.id}: ${b.failureReason}`);
      const blocks = [
        tableBlock(
          ['batch', 'niche', 'trigger', 'status', 'checked', 'stories', 'errors', 'created (UTC)'],
          rows.map(historyRow),
        ),
      ];
      if (failed.length > 0) blocks.push(textBlock(failed.join('\n'), 'warning'));
      return reply.of(blocks, { data: { batches: rows.map(batchData) } });
    },
  }),
];
