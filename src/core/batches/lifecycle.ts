import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { batches, events } from '../db/schema/index.js';
import { addToOutbox } from '../deliveries.js';
import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { activeBatchForNiche, countPendingItems, findNiche, getBatch } from './queries.js';
import { describeBatch, describeErrors, errorTotal } from './summary.js';
import type { Batch } from './types.js';

/** pending -> in_progress (idempotent for a resumed batch); undefined when the batch is no longer active. */
export async function startBatch(deps: CoreDeps, id: number): Promise<Batch | undefined> {
  const [row] = await deps.db
    .update(batches)
    .set({
      status: 'in_progress',
      startedAt: sql`coalesce(${batches.startedAt}, ${deps.clock.now().toISOString()}::timestamptz)`,
    })
    .where(and(eq(batches.id, id), inArray(batches.status, ['pending', 'in_progress'])))
    .returning();
  return row;
}

/**
 * Asks a batch to stop, from any process. A pending batch is cancelled at once; a running one gets
 * cancel_requested_at, which its worker polls: it starts no new checks, lets in-flight ones finish and
 * count, then marks the batch cancelled with its counters.
 */
export async function cancelBatch(
  deps: CoreDeps,
  nameOrId: string | number,
  options: { waitMs: number } = { waitMs: 3_000 },
): Promise<Batch> {
  let batch: Batch | undefined;
  if (typeof nameOrId === 'number' || /^#?\d+$/.test(nameOrId)) {
    const id = typeof nameOrId === 'number' ? nameOrId : Number(nameOrId.replace('#', ''));
    batch = await getBatch(deps, id);
    if (!batch)
      throw new UserError(
        'batch_not_found',
        `There is no batch #${id}. \`batch history\` lists the recent ones.`,
      );
  } else {
    const niche = await findNiche(deps, nameOrId);
    batch = await activeBatchForNiche(deps, niche.id);
    if (!batch) throw new UserError('no_active_batch', `No batch is running for ${niche.name}.`);
  }
  if (batch.status !== 'pending' && batch.status !== 'in_progress') {
    throw new UserError('batch_finished', `Batch #${batch.id} is already ${batch.status.replace('_', ' ')}.`);
  }
  const now = deps.clock.now();
  const [pending] = await deps.db
    .update(batches)
    .set({ status: 'cancelled', cancelRequestedAt: now, finishedAt: now })
    .where(and(eq(batches.id, batch.id), eq(batches.status, 'pending')))
    .returning();
  if (pending) {
    await writeStatisticsEvent(deps, pending);
    return pending;
  }
  const [running] = await deps.db
    .update(batches)
    .set({
      cancelRequestedAt: sql`coalesce(${batches.cancelRequestedAt}, ${now.toISOString()}::timestamptz)`,
    })
    .where(and(eq(batches.id, batch.id), eq(batches.status, 'in_progress')))
    .returning();
  if (!running) return (await getBatch(deps, batch.id)) ?? batch;
  // The worker running it hears at once; the reply waits (briefly) until it has stopped starting checks.
  await deps.sql`select pg_notify(${BATCH_CHANNEL}, ${`cancel:${batch.id}`})`;
  for (let waited = 0; waited < options.waitMs; waited += 50) {
    const current = await getBatch(deps, batch.id);
    if (!current || current.cancelSeenAt || current.status !== 'in_progress') return current ?? running;
    await new Promise((r) => setTimeout(r, 50));
  }
  return (await getBatch(deps, batch.id)) ?? running;
}

/** Outbox rows of this kind carry a batch's end; the relay builds the summary from the batch row. */
export const BATCH_SUMMARY = 'batch_summary';
export const batchSummaryKey = (batchId: number) => `batch:${batchId}:summary`;
/** The reply's `progressKey` for a batch: the message its progress edits land on, in the chat that started it. */
export const batchProgressKey = (batchId: number) => `batch:${batchId}:progress`;

/** Postgres channel the batch runners listen on (cancels reach them without waiting for a poll). */
export const BATCH_CHANNEL = 'storywatch_batches';

/** Calls `listener` the moment a cancel of this batch is requested; returns the unsubscribe. */
export async function onBatchCancel(
  deps: Pick<CoreDeps, 'sql'>,
  batchId: number,
  listener: () => void,
): Promise<() => Promise<void>> {
  const sub = await deps.sql.listen(BATCH_CHANNEL, (payload) => {
    if (payload === `cancel:${batchId}`) listener();
  });
  return () => sub.unlisten();
}

/** What a running batch is waiting for (null once it checks again); written only when it changes. */
export async function setBatchWaiting(
  deps: Pick<CoreDeps, 'sql'>,
  id: number,
  reason: string | null,
): Promise<void> {
  await deps.sql`update batches set waiting_reason = ${reason} where id = ${id} and waiting_reason is distinct from ${reason}`;
}

/** The runner saw the cancel: no check starts from now on. */
export async function markCancelSeen(deps: Pick<CoreDeps, 'sql' | 'clock'>, id: number): Promise<void> {
  await deps.sql`update batches set cancel_seen_at = coalesce(cancel_seen_at, ${deps.clock.now()}) where id = ${id}`;
}

/**
 * Closes a running batch once its work is done (or it was asked to stop): cancelled when a cancel was
 * requested, failed when every check ended in an error (with the errors as the reason), else completed.
 * Only an in_progress batch changes, so calling it twice (two runners, a retry) writes one event.
 */
export async function finishBatch(deps: CoreDeps, id: number): Promise<Batch | undefined> {
  const current = await getBatch(deps, id);
  if (!current) return undefined;
  if (current.status !== 'in_progress') return current;
  const left = await countPendingItems(deps, id);
  const errors = errorTotal(current);
  let status: Batch['status'] = 'completed';
  let reason: string | null = null;
  if (current.cancelRequestedAt) {
    status = 'cancelled';
  } else if (left > 0) {
    status = 'failed';
    reason = `${left} profiles were never checked`;
  } else if (current.checked > 0 && errors === current.checked) {
    status = 'failed';
    reason = failureReason(current);
  }
  return closeBatch(deps, id, status, reason);
}

/** Marks an active batch failed with a reason the operator can act on. */
export async function failBatch(deps: CoreDeps, id: number, reason: string): Promise<Batch | undefined> {
  return closeBatch(deps, id, 'failed', reason);
}

function failureReason(b: Batch): string {
  const top = Object.entries(b.errors).sort((x, y) => y[1] - x[1])[0]?.[0];
  const hint =
    top === 'rate_limited'
      ? ' (all proxies rate limited: add proxies or lower the profiles-per-minute setting)'
      : top === 'proxy_failed'
        ? ' (the proxies did not connect: run `proxy test`)'
        : top === 'login_wall' || top === 'session_invalid'
          ? ' (Instagram asked for a login: add or refresh a session)'
          : '';
  return `all ${b.checked} checks failed: ${describeErrors(b)}${hint}`;
}

async function closeBatch(
  deps: CoreDeps,
  id: number,
  status: Batch['status'],
  reason: string | null,
): Promise<Batch | undefined> {
  const now = deps.clock.now();
  // The summary's outbox row is written in the same transaction that closes the batch: whatever
  // happens next (a crash, a kill), the chat that started it hears how it ended, once.
  const row = await deps.db.transaction(async (tx) => {
    const [closed] = await tx
      .update(batches)
      .set({ status, failureReason: reason, finishedAt: now })
      .where(
        and(
          eq(batches.id, id),
          inArray(batches.status, ['pending', 'in_progress']),
          isNull(batches.finishedAt),
        ),
      )
      .returning();
    const origin = closed?.origin;
    if (closed && origin && (origin.platform === 'telegram' || origin.platform === 'discord')) {
      await addToOutbox(tx, {
        dedupeKey: batchSummaryKey(id),
        payload: { kind: BATCH_SUMMARY, batchId: id },
      });
    }
    return closed;
  });
  if (!row) return getBatch(deps, id);
  await writeStatisticsEvent(deps, row);
  deps.log.info(
    { batchId: id, status, reason, checked: row.checked, stories: row.stories },
    'batch finished',
  );
  return row;
}

async function writeStatisticsEvent(deps: CoreDeps, b: Batch): Promise<void> {
  const durationMs = b.startedAt && b.finishedAt ? b.finishedAt.getTime() - b.startedAt.getTime() : null;
  await deps.db.insert(events).values({
    at: deps.clock.now(),
    kind: 'batch_statistics',
    level: b.status === 'failed' ? 'warn' : 'info',
    message: describeBatch(b),
    data: {
      batchId: b.id,
      niche: b.nicheName,
      nicheId: b.nicheId,
      trigger: b.trigger,
      policy: b.policy,
      status: b.status,
      requested: b.requested,
      checked: b.checked,
      stories: b.stories,
      notFound: b.notFound,
      deleted: b.deleted,
      private: b.private,
      errors: b.errors,
      failureReason: b.failureReason,
      durationMs,
    },
  });
}
