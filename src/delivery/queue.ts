import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { AppContext } from '../app/context.js';
import { deliveries } from '../core/db/schema/index.js';
import { disableTarget, moveChat } from '../core/delivery-targets.js';
import { recordEvent } from '../core/events.js';
import { bullErrorLogger, queueErrorLogger } from '../core/log-throttle.js';
import { maskSecrets } from '../core/mask.js';
import { maskReply } from '../reply/mask-reply.js';
import type { ProcessDeps } from '../runtime/deps.js';
import { deliveryOutcome, unreachableDelayMs } from './outcome.js';
import {
  ChatMovedError,
  type ChatPlatform,
  type ChatSender,
  DELIVERIES_QUEUE,
  type Delivery,
  type DeliveryProducer,
  type PartsSent,
  PermanentDeliveryError,
  RetryAfterError,
} from './types.js';

/** Progress message ids are only needed while a batch runs; two days covers any batch. */
const MESSAGE_REF_TTL_S = 2 * 24 * 3600;
/** Completed jobs are kept this long so a re-enqueue with the same job id is a no-op across restarts. */
const KEEP_COMPLETED_S = 3 * 24 * 3600;
/** Takes the edit's place in line: 1 if no newer edit of the message was claimed, else 0. */
const CLAIM_SEQ = `local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) < cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/** BullMQ job ids may not contain ':' and must not look like integers. */
export function jobIdFor(dedupeKey: string): string {
  return `d-${dedupeKey.replace(/[^a-zA-Z0-9_.-]/g, '_')}`;
}

function messageRefKey(
  app: Pick<ProcessDeps, 'queuePrefix'>,
  platform: ChatPlatform,
  chatId: string,
  replaceKey: string,
) {
  return `${app.queuePrefix}:msgref:${platform}:${chatId}:${replaceKey}`;
}

type Redis = ReturnType<AppContext['redis']>;

/** The queue's connection opens at the first delivery: a console command that says nothing needs no Redis. */
export function createDeliveryProducer(app: ProcessDeps): DeliveryProducer {
  let opened: Queue<Delivery> | undefined;
  const open = () => {
    if (!opened) {
      opened = new Queue<Delivery>(DELIVERIES_QUEUE, {
        connection: app.redis('deliveries-producer'),
        prefix: app.queuePrefix,
      });
      opened.on('error', queueErrorLogger(app.log, DELIVERIES_QUEUE));
    }
    return opened;
  };
  const enqueue = async (raw: Delivery) => {
    const queue = open();
    // Whatever the worker says goes out masked, as command replies do (dispatch).
    const delivery = { ...raw, reply: maskReply(raw.reply) };
    await queue.add('deliver', delivery, {
      jobId: jobIdFor(delivery.dedupeKey),
      // A progress edit is soon replaced by the next one: retrying it for minutes only adds load. The
      // closing edit (odd seq) is not replaced by anything, so it gets the full retries.
      attempts: delivery.replaceKey && (delivery.seq ?? 0) % 2 === 0 ? 3 : 10,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: { age: KEEP_COMPLETED_S },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  };
  return {
    enqueue,
    async relayOutbox(olderThanMs = 60_000) {
      const cutoff = new Date(app.core.clock.now().getTime() - olderThanMs);
      const rows = await app.core.db
        .select({ payload: deliveries.payload })
        .from(deliveries)
        .where(and(eq(deliveries.status, 'queued'), lt(deliveries.createdAt, cutoff)))
        .limit(500);
      let n = 0;
      for (const row of rows) {
        // Rows without a target are intents another relay builds (a batch's end: batch-messages.ts).
        if (!row.payload || !('target' in row.payload)) continue;
        await enqueue(row.payload as unknown as Delivery);
        n++;
      }
      return n;
    },
    close: async () => {
      await opened?.close();
    },
  };
}

const refConnections = new WeakMap<AppContext, Redis>();

function refConnection(app: AppContext): Redis {
  let conn = refConnections.get(app);
  if (!conn) {
    conn = app.redis('delivery-refs');
    refConnections.set(app, conn);
  }
  return conn;
}

/** Called by a front-end after it posted a reply with `progressKey`, so progress edits land on it. */
export async function rememberProgressMessage(
  app: AppContext,
  ref: { platform: ChatPlatform; chatId: string; replaceKey: string; messageId: string },
): Promise<void> {
  await refConnection(app).set(
    messageRefKey(app, ref.platform, ref.chatId, ref.replaceKey),
    ref.messageId,
    'EX',
    MESSAGE_REF_TTL_S,
  );
}

export interface DeliveryWorkerHandle {
  worker: Worker<Delivery>;
  close(): Promise<void>;
}

/**
 * The bot role's consumer. 429 waits the platform's retry_after without using an attempt, other
 * failures back off exponentially, and a permanent refusal disables the target and stops retrying.
 */
export function startDeliveryWorker(
  app: AppContext,
  senders: Partial<Record<ChatPlatform, ChatSender>>,
  options: { concurrency?: number; unreachableBackoff?: { baseMs: number; capMs: number } } = {},
): DeliveryWorkerHandle {
  const backoff = options.unreachableBackoff ?? { baseMs: 2_000, capMs: 5 * 60_000 };
  const redis = refConnection(app);
  const log = app.log.child({ role: 'deliveries' });

  const processor = async (job: Job<Delivery>, token?: string) => {
    const d = job.data;
    const jlog = log.child({ jobId: job.id, platform: d.target.platform, chatId: d.target.chatId });
    const sender = senders[d.target.platform];
    // A front-end configured but still connecting answers "not connected yet": unreachable, it waits.
    if (!sender) {
      // Never sendable from here: out of the outbox, so it cannot hold up the rows behind it.
      const message = `${d.target.platform} is not configured in this process`;
      await markFailed(app, d, message);
      throw new UnrecoverableError(message);
    }
    // Durable record for everything but progress edits: a delivery marked sent is never sent again.
    if (!d.replaceKey) {
      const [row] = await app.core.db
        .select({ status: deliveries.status })
        .from(deliveries)
        .where(eq(deliveries.dedupeKey, d.dedupeKey));
      if (row?.status === 'sent') return 'already-sent';
    }
    const refKey = d.replaceKey
      ? messageRefKey(app, d.target.platform, d.target.chatId, d.replaceKey)
      : undefined;
    if (refKey && d.seq !== undefined) {
      const claimed = await redis.eval(CLAIM_SEQ, 1, `${refKey}:seq`, d.seq, MESSAGE_REF_TTL_S);
      if (claimed === 0) {
        jlog.debug({ seq: d.seq }, 'a newer edit of this message was already sent; dropped');
        return 'stale';
      }
    }
    const replaceMessageId = refKey ? ((await redis.get(refKey)) ?? undefined) : undefined;
    const partsOf = async (chatId: string): Promise<PartsSent> => {
      const key = `${app.queuePrefix}:parts:${jobIdFor(d.dedupeKey)}:${chatId}`;
      const [done, firstId] = await redis.hmget(key, 'done', 'firstId');
      return {
        done: Number(done ?? 0),
        ...(firstId ? { firstId } : {}),
        record: async (n, id) => {
          await redis.hset(key, 'done', n, 'firstId', id);
          await redis.expire(key, MESSAGE_REF_TTL_S);
        },
      };
    };
    const sendTo = async (chatId: string, edit: boolean) =>
      sender.send(
        chatId,
        d.reply,
        edit && replaceMessageId
          ? { replaceMessageId }
          : d.replaceKey
            ? {}
            : { parts: await partsOf(chatId) },
      );
    try {
      const messageId = await sendTo(d.target.chatId, true).catch(async (err: unknown) => {
        if (!(err instanceof ChatMovedError)) throw err;
        // Telegram names the new id once, in this refusal: follow it now, or the chat is lost for good.
        const moved = await moveChat(app.core, d.target, err.newChatId);
        if (moved.changed) {
          await recordEvent(app.core, {
            kind: 'delivery',
            message: `${d.target.platform} chat ${d.target.chatId} is now ${err.newChatId} (group upgraded); its digest and batches follow it`,
            data: { platform: d.target.platform, chatId: d.target.chatId, newChatId: err.newChatId },
          });
        }
        jlog.info({ newChatId: err.newChatId }, 'chat moved; sending to its new id');
        // A message id of the old chat means nothing in the new one: post afresh.
        return sendTo(err.newChatId, false);
      });
      if (refKey) await redis.set(refKey, messageId, 'EX', MESSAGE_REF_TTL_S);
      if (!d.replaceKey) {
        await app.core.db
          .insert(deliveries)
          .values({
            dedupeKey: d.dedupeKey,
            status: 'sent',
            sentAt: app.core.clock.now(),
            attempts: job.attemptsMade + 1,
          })
          .onConflictDoUpdate({
            target: deliveries.dedupeKey,
            set: {
              status: 'sent',
              sentAt: app.core.clock.now(),
              attempts: sql`${deliveries.attempts} + 1`,
              lastError: null,
            },
          });
      }
      jlog.info({ messageId }, 'delivered');
      return messageId;
    } catch (err) {
      if (err instanceof RetryAfterError) {
        jlog.warn({ retryAfterMs: err.retryAfterMs }, 'rate limited by the platform; waiting as told');
        await job.moveToDelayed(Date.now() + err.retryAfterMs, token);
        throw new DelayedError();
      }
      const message = maskSecrets(err instanceof Error ? err.message : String(err));
      if (deliveryOutcome(err) === 'unreachable') {
        // Not the delivery's fault: wait and try again, as long as it takes, without using an attempt.
        const tries = (d.unreachableTries ?? 0) + 1;
        const delayMs = unreachableDelayMs(tries - 1, backoff.baseMs, backoff.capMs);
        if (tries === 1 || tries % 10 === 0)
          jlog.warn(
            { errMessage: message, tries, retryInMs: delayMs },
            'platform unreachable; delivery waits',
          );
        await job.updateData({ ...d, unreachableTries: tries });
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError();
      }
      if (err instanceof PermanentDeliveryError) {
        await disableTarget(app.core, d.target, message);
        await markFailed(app, d, message);
        await recordEvent(app.core, {
          kind: 'delivery',
          level: 'warn',
          message: `Disabled ${d.target.platform} chat ${d.target.chatId}: ${message}`,
          data: { platform: d.target.platform, chatId: d.target.chatId, status: err.status },
        });
        jlog.warn({ errMessage: message }, 'target refused for good; disabled');
        throw new UnrecoverableError(message);
      }
      jlog.warn({ errMessage: message, attempt: job.attemptsMade + 1 }, 'delivery failed; will retry');
      if (!d.replaceKey) {
        await app.core.db
          .update(deliveries)
          .set({ lastError: message, attempts: sql`${deliveries.attempts} + 1` })
          .where(eq(deliveries.dedupeKey, d.dedupeKey));
      }
      throw new Error(message);
    }
  };

  const worker = new Worker<Delivery>(DELIVERIES_QUEUE, processor, {
    connection: app.redis('deliveries-worker'),
    prefix: app.queuePrefix,
    concurrency: options.concurrency ?? 4,
  });
  worker.on('error', bullErrorLogger(log, 'delivery worker'));
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1) && !(err instanceof UnrecoverableError)) {
      void markFailed(app, job.data, maskSecrets(err.message));
    }
  });
  return { worker, close: () => worker.close() };
}

async function markFailed(app: AppContext, d: Delivery, message: string): Promise<void> {
  if (d.replaceKey) return;
  await app.core.db
    .update(deliveries)
    .set({ status: 'failed', lastError: message })
    .where(eq(deliveries.dedupeKey, d.dedupeKey));
}

const producers = new WeakMap<AppContext, DeliveryProducer>();

/** Queues one delivery through a producer shared by everything in this process. */
export async function enqueueDelivery(app: AppContext, delivery: Delivery): Promise<void> {
  let producer = producers.get(app);
  if (!producer) {
    producer = createDeliveryProducer(app);
    producers.set(app, producer);
  }
  await producer.enqueue(delivery);
}

/** Closes the shared producer (process shutdown). */
export async function closeDeliveryProducer(app: AppContext): Promise<void> {
  const producer = producers.get(app);
  producers.delete(app);
  await producer?.close();
}
