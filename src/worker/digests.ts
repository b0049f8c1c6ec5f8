import { Queue, Worker } from 'bullmq';
import { addToOutbox, dueDigestTargets, recordDigestHour } from '../core/deliveries.js';
import type { DeliveryTarget } from '../core/delivery-targets.js';
import type { CoreDeps } from '../core/deps.js';
import { digestContent } from '../core/digest.js';
import { bullErrorLogger, queueErrorLogger } from '../core/log-throttle.js';
import { localDate, statsHistory } from '../core/stats-history.js';
import { floorToHour, startOfDay } from '../core/time.js';
import type { Delivery, DeliveryProducer } from '../delivery/types.js';
import type { ProcessDeps } from '../runtime/deps.js';
import { formatDailyDigest, formatDigest } from './digest-format.js';

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
  const window = { from: windowStart(target, windowEnd), to: windowEnd, timeZone: deps.timeZone };
  const content = await digestContent(deps.core, window);
  if (content.length === 0) return undefined;
  return {
    target: { platform: target.platform, chatId: target.chatId },
    reply: formatDigest(content, window),
    dedupeKey: `digest:${target.id}:${windowEnd.toISOString()}`,
  };
}

/** The window a target's next digest covers: from its watermark (an hour back at first) to `windowEnd`. */
function windowStart(target: DeliveryTarget, windowEnd: Date): Date {
  return target.lastDigestAt ?? new Date(windowEnd.getTime() - 3600_000);
}

const outboxRow = (d: Delivery) => ({
  dedupeKey: d.dedupeKey,
  payload: d as unknown as Record<string, unknown>,
});

/**
 * Builds the digest of every hour that ended since each target's watermark. The outbox row and the new
 * watermark are written in one transaction, so a crash can neither lose a digest nor announce the same
 * stories twice; the queue's job id (the dedupe key) makes the send itself happen once. Hourly digests
 * carry no chart.
 */
export async function runDigestTick(
  deps: DigestDeps,
  now: Date = deps.core.clock.now(),
): Promise<{ queued: number }> {
  const windowEnd = floorToHour(now);
  const queued: Delivery[] = [];
  for (const target of await dueDigestTargets(deps.core, windowEnd)) {
    const delivery = await digestFor(deps, target, windowEnd);
    await recordDigestHour(deps.core, target.id, windowEnd, delivery && outboxRow(delivery));
    if (delivery) queued.push(delivery);
  }
  for (const d of queued) await deps.deliveries.enqueue(d);
  await deps.deliveries.relayOutbox();
  return { queued: queued.length };
}

/**
 * The daily digest: for every target whose next digest window crosses local midnight (the first tick of
 * the day, or the first after the service was down over midnight), yesterday's stories per niche against
 * the targets and the 7-day chart, sent even when there were no stories. It runs before the hourly tick
 * moves the watermarks it reads; its dedupe key names the target and the local day, so however often
 * the tick runs or is retried (a crash between the two), a target gets one per day.
 */
export async function runDailyDigest(
  deps: DigestDeps,
  now: Date = deps.core.clock.now(),
): Promise<{ queued: number }> {
  const windowEnd = floorToHour(now);
  const midnight = startOfDay(windowEnd, deps.timeZone);
  const due = (await dueDigestTargets(deps.core, windowEnd)).filter(
    (t) => windowStart(t, windowEnd) < midnight,
  );
  if (due.length === 0) return { queued: 0 };
  const lastMoment = new Date(midnight.getTime() - 1);
  const reply = formatDailyDigest(
    await statsHistory(deps.core, { timeZone: deps.timeZone, now: lastMoment }),
  );
  const day = localDate(lastMoment, deps.timeZone);
  const queued: Delivery[] = due.map((t) => ({
    target: { platform: t.platform, chatId: t.chatId },
    reply,
    dedupeKey: `daily:${t.id}:${day}`,
  }));
  for (const [i, d] of queued.entries())
    await addToOutbox(deps.core.db, { ...outboxRow(d), targetId: (due[i] as DeliveryTarget).id });
  for (const d of queued) await deps.deliveries.enqueue(d);
  return { queued: queued.length };
}

/** What the scheduled digest job does each hour: the daily digest when a day ended, then the hourly one. */
export async function runDigestJob(
  deps: DigestDeps,
  now: Date = deps.core.clock.now(),
): Promise<{ daily: number; queued: number }> {
  const daily = await runDailyDigest(deps, now);
  const hourly = await runDigestTick(deps, now);
  return { daily: daily.queued, queued: hourly.queued };
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
      const result = await runDigestJob(deps);
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
