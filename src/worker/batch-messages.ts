import {
  type Batch,
  batchProgressKey,
  batchSummaryKey,
  describeBatch,
  getBatch,
} from '../core/batches/index.js';
import { unsentBatchSummaries } from '../core/deliveries.js';
import type { CoreDeps } from '../core/deps.js';
import type { ChatTarget, DeliveryProducer } from '../delivery/types.js';
import { batchSummaryReply } from '../reply/batch-summary.js';
import { type Reply, reply, textBlock } from '../reply/reply.js';

/** What saying something about a batch in its chat needs. */
export interface BatchMessageDeps {
  core: CoreDeps;
  deliveries: DeliveryProducer;
}

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

export async function summaryReply(deps: Pick<CoreDeps, 'sql'>, b: Batch): Promise<Reply> {
  return batchSummaryReply(deps, b);
}

const active = (b: Batch) => b.status === 'pending' || b.status === 'in_progress';

/** Edits the progress message in the starting chat (the dedupe key is unique per update). */
export async function publishProgress(deps: BatchMessageDeps, b: Batch): Promise<void> {
  const target = targetOf(b);
  if (!target) return;
  await deps.deliveries.enqueue({
    target,
    reply: progressReply(b),
    // The final state has one key: relayed again from the outbox (the chat away for hours), it is
    // still one edit, not one more every sweep.
    dedupeKey: active(b)
      ? `batch:${b.id}:progress:${b.checked}:${Date.now()}`
      : `batch:${b.id}:progress:final`,
    replaceKey: batchProgressKey(b.id),
    // Counters only grow; the closing state outranks any progress with the same count.
    seq: b.checked * 2 + (active(b) ? 0 : 1),
  });
}

/** The final summary, once per batch across restarts (its dedupe key is the job id). */
export async function publishSummary(deps: BatchMessageDeps, b: Batch): Promise<void> {
  const target = targetOf(b);
  if (!target) return;
  // The progress message shows the final state too, so the chat never keeps a stale "40%".
  await publishProgress(deps, b);
  await deps.deliveries.enqueue({
    target,
    reply: await summaryReply(deps.core, b),
    dedupeKey: batchSummaryKey(b.id),
  });
}

/**
 * Hands the batch ends waiting in the outbox to the delivery queue: the final progress edit and the
 * summary. Called by the worker right after it closes a batch, and every sweep for any end that
 * process did not get to (a crash after the close, a batch failed by recovery).
 */
export async function relayBatchSummaries(
  deps: BatchMessageDeps,
  options: { batchId?: number; olderThanMs?: number } = {},
): Promise<number> {
  let n = 0;
  for (const id of await unsentBatchSummaries(deps.core, options)) {
    const b = await getBatch(deps.core, id);
    if (!b) continue;
    await publishSummary(deps, b);
    n++;
  }
  return n;
}
