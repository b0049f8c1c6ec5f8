import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from './db/client.js';
import { deliveries, deliveryTargets } from './db/schema/index.js';
import type { DeliveryTarget } from './delivery-targets.js';
import type { CoreDeps } from './deps.js';

/**
 * The deliveries table is the outbox: a `queued` row is something a chat must hear, written in the
 * same transaction as the fact it announces; the delivery worker marks it `sent` or `failed`. Progress
 * edits have no row (they are replaced by the next one, so losing one loses nothing).
 */
export type DeliveryStatus = 'queued' | 'sent' | 'failed';

/** What an outbox row carries: the delivery itself, or an intent another relay expands (a batch's end). */
export interface OutboxRow {
  dedupeKey: string;
  payload: Record<string, unknown>;
  targetId?: number;
}

/** A database or an open transaction: whatever can insert. */
type Writer = Pick<Db, 'insert'>;

/** Writes an outbox row once; the same dedupe key written again is a no-op. */
export async function addToOutbox(db: Writer, row: OutboxRow): Promise<void> {
  await db
    .insert(deliveries)
    .values({ dedupeKey: row.dedupeKey, targetId: row.targetId ?? null, payload: row.payload })
    .onConflictDoNothing();
}

export async function deliveryStatus(
  deps: Pick<CoreDeps, 'db'>,
  dedupeKey: string,
): Promise<DeliveryStatus | undefined> {
  const [row] = await deps.db
    .select({ status: deliveries.status })
    .from(deliveries)
    .where(eq(deliveries.dedupeKey, dedupeKey));
  return row?.status as DeliveryStatus | undefined;
}

/** Sent: never sent again. A delivery without an outbox row (an alert) gets one now, as its record. */
export async function markDeliverySent(
  deps: Pick<CoreDeps, 'db' | 'clock'>,
  dedupeKey: string,
  attempts: number,
): Promise<void> {
  const sentAt = deps.clock.now();
  await deps.db
    .insert(deliveries)
    .values({ dedupeKey, status: 'sent', sentAt, attempts })
    .onConflictDoUpdate({
      target: deliveries.dedupeKey,
      set: { status: 'sent', sentAt, attempts: sql`${deliveries.attempts} + 1`, lastError: null },
    });
}

/** One more attempt failed; the row stays queued for the next. */
export async function markDeliveryAttemptFailed(
  deps: Pick<CoreDeps, 'db'>,
  dedupeKey: string,
  message: string,
): Promise<void> {
  await deps.db
    .update(deliveries)
    .set({ lastError: message, attempts: sql`${deliveries.attempts} + 1` })
    .where(eq(deliveries.dedupeKey, dedupeKey));
}

/** Given up for good: out of the outbox, so it cannot hold up the rows behind it. */
export async function markDeliveryFailed(
  deps: Pick<CoreDeps, 'db'>,
  dedupeKey: string,
  message: string,
): Promise<void> {
  await deps.db
    .update(deliveries)
    .set({ status: 'failed', lastError: message })
    .where(eq(deliveries.dedupeKey, dedupeKey));
}

/** Payloads of outbox rows still queued `olderThanMs` after they were written (never queued, or lost). */
export async function queuedPayloads(
  deps: Pick<CoreDeps, 'db' | 'clock'>,
  olderThanMs: number,
  limit = 500,
): Promise<Array<Record<string, unknown>>> {
  const cutoff = new Date(deps.clock.now().getTime() - olderThanMs);
  const rows = await deps.db
    .select({ payload: deliveries.payload })
    .from(deliveries)
    .where(and(eq(deliveries.status, 'queued'), lt(deliveries.createdAt, cutoff)))
    .limit(limit);
  return rows.flatMap((r) => (r.payload ? [r.payload] : []));
}

/**
 * Batches whose end is in the outbox but not yet handed to the delivery queue (or handed and lost:
 * the queue's job id makes a second hand-over a no-op). `olderThanMs` leaves the just-written ones to
 * the process that closed the batch.
 */
export async function unsentBatchSummaries(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  options: { batchId?: number; olderThanMs?: number; limit?: number } = {},
): Promise<number[]> {
  const cutoff = new Date(deps.clock.now().getTime() - (options.olderThanMs ?? 0));
  const rows = await deps.sql<Array<{ id: number }>>`
    select (payload->>'batchId')::bigint as id from deliveries
    where status = 'queued' and payload->>'kind' = 'batch_summary'
      and (${options.batchId ?? null}::bigint is null or (payload->>'batchId')::bigint = ${options.batchId ?? null}::bigint)
      and created_at <= ${cutoff}
    order by id limit ${options.limit ?? 200}`;
  return rows.map((r) => Number(r.id));
}

/** Enabled targets whose last digest ended before `windowEnd` (or that never had one). */
export async function dueDigestTargets(
  deps: Pick<CoreDeps, 'db'>,
  windowEnd: Date,
): Promise<DeliveryTarget[]> {
  return deps.db
    .select()
    .from(deliveryTargets)
    .where(
      and(
        eq(deliveryTargets.enabled, true),
        or(isNull(deliveryTargets.lastDigestAt), lt(deliveryTargets.lastDigestAt, windowEnd)),
      ),
    );
}

/**
 * Moves a target's digest watermark to `windowEnd`, with the digest's outbox row (none for an hour
 * without stories) in the same transaction: a crash can neither lose a digest nor announce the same
 * stories twice.
 */
export async function recordDigestHour(
  deps: Pick<CoreDeps, 'db'>,
  targetId: number,
  windowEnd: Date,
  outbox?: OutboxRow,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    if (outbox) await addToOutbox(tx, { ...outbox, targetId });
    await tx.update(deliveryTargets).set({ lastDigestAt: windowEnd }).where(eq(deliveryTargets.id, targetId));
  });
}

/**
 * Deletes up to `chunk` sent or failed rows finished before `cutoff`; a queued row is never touched.
 * `ctid = any(array(...))` is a TID scan: the statement touches only the rows it picked.
 */
export async function purgeFinishedDeliveries(
  deps: Pick<CoreDeps, 'sql'>,
  cutoff: Date,
  chunk: number,
): Promise<number> {
  const r = await deps.sql`
    delete from deliveries where ctid = any(array(
      select ctid from deliveries
      where status in ('sent', 'failed') and coalesce(sent_at, created_at) < ${cutoff}
      limit ${chunk}))`;
  return r.count;
}
