import { Queue, Worker } from 'bullmq';
import { dueDigestTargets, recordDigestHour } from '../core/deliveries.js';
import type { DeliveryTarget } from '../core/delivery-targets.js';
import type { CoreDeps } from '../core/deps.js';
import { digestContent } from '../core/digest.js';
import { bullErrorLogger, queueErrorLogger } from '../core/log-throttle.js';
import { floorToHour } from '../core/time.js';
import type { Delivery, DeliveryProducer } from '../delivery/types.js';
import type { ProcessDeps } from '../runtime/deps.js';
import { formatDigest } from './digest-format.js';

export const DIGESTS_QUEUE = 'digests';

export interface DigestDeps {
  core: CoreDeps;
  deliveries: DeliveryProducer;
  /** The zone the digest's hours and days are told in. */
  timeZone: string;
}

/** The digest of one target from its watermark to `windowEnd`; none for an hour without stories. */
async function digestFor(
  deps: DigestDeps,
  target: DeliveryTarget,
  windowEnd: Date,
): Promise<Delivery | undefined> {
  const from = target.lastDigestAt ?? new Date(windowEnd.getTime() - 3600_000);
  const window = { from, to: windowEnd, timeZone: deps.timeZone };
  const content = await digestContent(deps.core, window);
  if (content.length === 0) return undefined;
  return {
    target: { platform: target.platform, chatId: target.chatId },
    reply: formatDigest(content, window),
    dedupeKey: `digest:${target.id}:${windowEnd.toISOString()}`,
  };
}

/**
 * Builds the digest of every hour that ended since each target's watermark. The outbox row and the new
 * watermark are written in one transaction, so a crash can neither lose a digest nor announce the same
 * stories twice; the queue's job id (the dedupe key) makes the send itself happen once.
 */
export async function runDigestTick(
  deps: DigestDeps,
  now: Date = deps.core.clock.now(),
): Promise<{ queued: number }> {
  const windowEnd = floorToHour(now);
  const queued: Delivery[] = [];
  for (const target of await dueDigestTargets(deps.core, windowEnd)) {
    const delivery = await digestFor(deps, target, windowEnd);
    const outbox = delivery && {
      dedupeKey: delivery.dedupeKey,
      payload: delivery as unknown as Record<string, unknown>,
    };
    await recordDigestHour(deps.core, target.id, windowEnd, outbox);
    if (delivery) queued.push(delivery);
  }
  for (const d of queued) await deps.deliveries.enqueue(d);
  await deps.deliveries.relayOutbox();
  return { queued: queued.length };
}

export interface DigestScheduler {
  stop(): Promise<void>;
}

/** Schedules the digest at minute 1 of every hour, once across all processes (BullMQ job scheduler). */
export async function startDigests(
  deps: ProcessDeps & { deliveries: DeliveryProducer; timeZone: string },
): Promise<DigestScheduler> {
  const log = deps.log.child({ role: 'digests' });
  const queue = new Queue(DIGESTS_QUEUE, {
    connection: deps.redis('digests-queue'),
    prefix: deps.queuePrefix,
  });
  // The connection logs its own errors (context.ts); unheard, BullMQ would print each as a stack trace.
  queue.on('error', queueErrorLogger(log, DIGESTS_QUEUE));
  await queue.upsertJobScheduler('hourly-digest', { pattern: '1 * * * *', tz: 'UTC' }, { name: 'digest' });
  const worker = new Worker(
    DIGESTS_QUEUE,
    async () => {
      const result = await runDigestTick(deps);
      log.info(result, 'digest tick');
      return result;
    },
    { connection: deps.redis('digests-worker'), prefix: deps.queuePrefix, concurrency: 1 },
  );
  worker.on('error', bullErrorLogger(log, 'digest worker'));
  return {
    async stop() {
      await worker.close();
      await queue.close();
    },
  };
}
