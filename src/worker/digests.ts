import { Queue, Worker } from 'bullmq';
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { AppContext } from '../app/context.js';
import { deliveries, deliveryTargets } from '../core/db/schema/index.js';
import { digestContent } from '../core/digest.js';
import { bullErrorLogger, queueErrorLogger } from '../core/log-throttle.js';
import { floorToHour } from '../core/time.js';
import { createDeliveryProducer } from '../delivery/queue.js';
import type { Delivery, DeliveryProducer } from '../delivery/types.js';
import { formatDigest } from './digest-format.js';

export const DIGESTS_QUEUE = 'digests';

/**
 * Builds the digest of every hour that ended since each target's watermark. The outbox row and the new
 * watermark are written in one transaction, so a crash can neither lose a digest nor announce the same
 * stories twice; the queue's job id (the dedupe key) makes the send itself happen once.
 */
export async function runDigestTick(
  app: AppContext,
  producer: DeliveryProducer,
  now: Date = app.core.clock.now(),
): Promise<{ queued: number }> {
  const windowEnd = floorToHour(now);
  const timeZone = app.env.STORYWATCH_TIMEZONE;
  const due = await app.core.db
    .select()
    .from(deliveryTargets)
    .where(
      and(
        eq(deliveryTargets.enabled, true),
        or(isNull(deliveryTargets.lastDigestAt), lt(deliveryTargets.lastDigestAt, windowEnd)),
      ),
    );
  const queued: Delivery[] = [];
  for (const target of due) {
    const from = target.lastDigestAt ?? new Date(windowEnd.getTime() - 3600_000);
    const content = await digestContent(app.core, { from, to: windowEnd, timeZone });
    const delivery: Delivery | undefined =
      content.length > 0
        ? {
            target: { platform: target.platform, chatId: target.chatId },
            reply: formatDigest(content, { from, to: windowEnd, timeZone }),
            dedupeKey: `digest:${target.id}:${windowEnd.toISOString()}`,
          }
        : undefined;
    await app.core.db.transaction(async (tx) => {
      if (delivery) {
        await tx
          .insert(deliveries)
          .values({
            dedupeKey: delivery.dedupeKey,
            targetId: target.id,
            payload: delivery as unknown as Record<string, unknown>,
          })
          .onConflictDoNothing();
      }
      await tx
        .update(deliveryTargets)
        .set({ lastDigestAt: windowEnd })
        .where(eq(deliveryTargets.id, target.id));
    });
    if (delivery) queued.push(delivery);
  }
  for (const d of queued) await producer.enqueue(d);
  await producer.relayOutbox();
  return { queued: queued.length };
}

export interface DigestScheduler {
  stop(): Promise<void>;
}

/** Schedules the digest at minute 1 of every hour, once across all processes (BullMQ job scheduler). */
export async function startDigests(app: AppContext): Promise<DigestScheduler> {
  const log = app.log.child({ role: 'digests' });
  const producer = createDeliveryProducer(app);
  const queue = new Queue(DIGESTS_QUEUE, {
    connection: app.redis('digests-queue'),
    prefix: app.env.QUEUE_PREFIX,
  });
  // The connection logs its own errors (context.ts); unheard, BullMQ would print each as a stack trace.
  queue.on('error', queueErrorLogger(log, DIGESTS_QUEUE));
  await queue.upsertJobScheduler('hourly-digest', { pattern: '1 * * * *', tz: 'UTC' }, { name: 'digest' });
  const worker = new Worker(
    DIGESTS_QUEUE,
    async () => {
      const result = await runDigestTick(app, producer);
      log.info(result, 'digest tick');
      return result;
    },
    { connection: app.redis('digests-worker'), prefix: app.env.QUEUE_PREFIX, concurrency: 1 },
  );
  worker.on('error', bullErrorLogger(log, 'digest worker'));
  return {
    async stop() {
      await worker.close();
      await queue.close();
      await producer.close();
    },
  };
}
