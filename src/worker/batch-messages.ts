import type { AppContext } from '../app/context.js';
import { type Batch, batchSummaryKey, describeBatch, getBatch } from '../core/batches/index.js';
import { unsentBatchSummaries } from '../core/outbox.js';
import { enqueueDelivery } from '../delivery/queue.js';
import type { ChatTarget } from '../delivery/types.js';
import { type Reply, reply, textBlock, usernamesBlock } from '../reply/reply.js';

export const progressKey = (batchId: number) => `batch:${batchId}:progress`;
export const summaryKey = batchSummaryKey;

/** The chat that started the batch; the console and auto batches have none. */
function targetOf(batch: Batch): ChatTarget | undefined {
  const o = batch.origin;
  if (!o || (o.platform !== 'telegram' && o.platform !== 'discord')) return undefined;
  return { platform: o.platform, chatId: o.chatId };
}

export function progressReply(b: Batch): Reply {
  const pct = b.requested > 0 ? Math.floor((100 * b.checked) / b.requested) : 0;
  return reply.of([textBlock(`Batch ${describeBatch(b)} (${pct}%)`)], {
    data: { batchId: b.id, checked: b.checked, requested: b.requested, stories: b.stories },
  });
}

export async function summaryReply(app: AppContext, b: Batch): Promise<Reply> {
  const rows = await app.core.sql<Array<{ username: string }>>`
    select username from detections where batch_id = ${b.id} order by detected_at desc, username`;
  const usernames = rows.map((r) => r.username);
  const tone = b.status === 'failed' ? 'error' : b.status === 'completed' ? 'success' : 'warning';
  const blocks = [textBlock(`Batch ${describeBatch(b)}`, tone)];
  if (usernames.length > 0) {
    blocks.push(usernamesBlock(`Stories found in batch #${b.id}`, usernames, `batch-${b.id}-stories.txt`));
  }
  return reply.of(blocks, { data: { batchId: b.id, status: b.status, usernames } });
}

const active = (b: Batch) => b.status === 'pending' || b.status === 'in_progress';

/** Edits the progress message in the starting chat (the dedupe key is unique per update). */
export async function publishProgress(app: AppContext, b: Batch): Promise<void> {
  const target = targetOf(b);
  if (!target) return;
  await enqueueDelivery(app, {
    target,
    reply: progressReply(b),
    // The final state has one key: relayed again from the outbox (the chat away for hours), it is
    // still one edit, not one more every sweep.
    dedupeKey: active(b)
      ? `batch:${b.id}:progress:${b.checked}:${Date.now()}`
      : `batch:${b.id}:progress:final`,
    replaceKey: progressKey(b.id),
    // Counters only grow; the closing state outranks any progress with the same count.
    seq: b.checked * 2 + (active(b) ? 0 : 1),
  });
}

/** The final summary, once per batch across restarts (its dedupe key is the job id). */
export async function publishSummary(app: AppContext, b: Batch): Promise<void> {
  const target = targetOf(b);
  if (!target) return;
  // The progress message shows the final state too, so the chat never keeps a stale "40%".
  await publishProgress(app, b);
  await enqueueDelivery(app, { target, reply: await summaryReply(app, b), dedupeKey: summaryKey(b.id) });
}

/**
 * Hands the batch ends waiting in the outbox to the delivery queue: the final progress edit and the
 * summary. Called by the worker right after it closes a batch, and every sweep for any end that
 * process did not get to (a crash after the close, a batch failed by recovery).
 */
export async function relayBatchSummaries(
  app: AppContext,
  options: { batchId?: number; olderThanMs?: number } = {},
): Promise<number> {
  let n = 0;
  for (const id of await unsentBatchSummaries(app.core, options)) {
    const b = await getBatch(app.core, id);
    if (!b) continue;
    await publishSummary(app, b);
    n++;
  }
  return n;
}
