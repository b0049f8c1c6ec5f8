import { deliveryStatus } from '../core/deliveries.js';
import type { Logger } from '../core/logger.js';
import type { DeliveryWorkerContext } from './job-context.js';
import { MESSAGE_REF_TTL_S, messageRefKey } from './progress.js';
import type { Delivery } from './types.js';

/** Takes the edit's place in line: 1 if no newer edit of the message was claimed, else 0. */
const CLAIM_SEQ = `local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) < cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/** The job goes ahead (editing `replaceMessageId` when there is one), or is skipped and why. */
export type Claim =
  | { skip: 'already-sent' | 'stale' }
  | { skip?: undefined; refKey?: string; replaceMessageId?: string };

/**
 * Decides whether the job still has anything to say. A delivery with an outbox row marked sent is never
 * sent again; a progress edit older than one already shown is dropped.
 */
export async function claimDelivery(ctx: DeliveryWorkerContext, d: Delivery, log: Logger): Promise<Claim> {
  if (!d.replaceKey) {
    const status = await deliveryStatus(ctx.deps.core, d.dedupeKey);
    return status === 'sent' ? { skip: 'already-sent' } : {};
  }
  const refKey = messageRefKey(ctx.deps.queuePrefix, { ...d.target, replaceKey: d.replaceKey });
  if (d.seq !== undefined) {
    const claimed = await ctx.redis.eval(CLAIM_SEQ, 1, `${refKey}:seq`, d.seq, MESSAGE_REF_TTL_S);
    if (claimed === 0) {
      log.debug({ seq: d.seq }, 'a newer edit of this message was already sent; dropped');
      return { skip: 'stale' };
    }
  }
  const replaceMessageId = (await ctx.redis.get(refKey)) ?? undefined;
  return replaceMessageId ? { refKey, replaceMessageId } : { refKey };
}
