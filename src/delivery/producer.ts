import { Queue } from 'bullmq';
import { queuedPayloads } from '../core/deliveries.js';
import { queueErrorLogger } from '../core/log-throttle.js';
import { maskReply } from '../reply/mask-reply.js';
import type { ProcessDeps } from '../runtime/deps.js';
import { DELIVERIES_QUEUE, type Delivery, type DeliveryProducer } from './types.js';

/** Completed jobs are kept this long so a re-enqueue with the same job id is a no-op across restarts. */
const KEEP_COMPLETED_S = 3 * 24 * 3600;
const KEEP_FAILED_S = 7 * 24 * 3600;

/** BullMQ job ids may not contain ':' and must not look like integers. */
export function jobIdFor(dedupeKey: string): string {
  return `d-${dedupeKey.replace(/[^a-zA-Z0-9_.-]/g, '_')}`;
}

/**
 * A progress edit is soon replaced by the next one: retrying it for minutes only adds load. The
 * closing edit (odd seq) is not replaced by anything, so it gets the full retries.
 */
function attemptsFor(delivery: Delivery): number {
  return delivery.replaceKey && (delivery.seq ?? 0) % 2 === 0 ? 3 : 10;
}

/** Outbox rows without a target are intents another relay expands (a batch's end: batch-messages.ts). */
function isDelivery(payload: Record<string, unknown>): boolean {
  return 'target' in payload;
}

/** The queue's connection opens at the first delivery: a console command that says nothing needs no Redis. */
export function createDeliveryProducer(deps: ProcessDeps): DeliveryProducer {
  let opened: Queue<Delivery> | undefined;
  const open = () => {
    if (!opened) {
      opened = new Queue<Delivery>(DELIVERIES_QUEUE, {
        connection: deps.redis('deliveries-producer'),
        prefix: deps.queuePrefix,
      });
      opened.on('error', queueErrorLogger(deps.log, DELIVERIES_QUEUE));
    }
    return opened;
  };
  const enqueue = async (raw: Delivery) => {
    const queue = open();
    // Whatever the worker says goes out masked, as command replies do (dispatch).
    const delivery = { ...raw, reply: maskReply(raw.reply) };
    await queue.add('deliver', delivery, {
      jobId: jobIdFor(delivery.dedupeKey),
      attempts: attemptsFor(delivery),
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: { age: KEEP_COMPLETED_S },
      removeOnFail: { age: KEEP_FAILED_S },
    });
  };
  return {
    enqueue,
    async relayOutbox(olderThanMs = 60_000) {
      const payloads = (await queuedPayloads(deps.core, olderThanMs)).filter(isDelivery);
      for (const payload of payloads) await enqueue(payload as unknown as Delivery);
      return payloads.length;
    },
    // Closed, it opens again at the next delivery (a test restarting the queue; shutdown says no more).
    close: async () => {
      const queue = opened;
      opened = undefined;
      await queue?.close();
    },
  };
}
