import { type Batch, describeBatch } from '../core/batches/index.js';
import type { CoreDeps } from '../core/deps.js';
import { batchDetectionUsernames } from '../core/detections/index.js';
import { type Reply, reply, textBlock, usernamesBlock } from './reply.js';

/**
 * The one wording of a batch's end, so a chat's summary and the console's `batch run --follow` say
 * the same thing: the outcome line, then the usernames with a story as a copyable list.
 */
export async function batchSummaryReply(
  core: Pick<CoreDeps, 'sql'>,
  b: Batch,
  data: (usernames: string[]) => unknown = (usernames) => ({ batchId: b.id, status: b.status, usernames }),
): Promise<Reply> {
  const usernames = await batchDetectionUsernames(core, b.id);
  const tone = b.status === 'failed' ? 'error' : b.status === 'completed' ? 'success' : 'warning';
  const blocks = [textBlock(`Batch ${describeBatch(b)}`, tone)];
  if (usernames.length > 0) {
    blocks.push(usernamesBlock(`Stories found in batch #${b.id}`, usernames, `batch-${b.id}-stories.txt`));
  }
  return reply.of(blocks, { data: data(usernames) });
}
