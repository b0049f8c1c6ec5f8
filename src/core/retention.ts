import { purgeFinishedDeliveries } from './deliveries.js';
import type { CoreDeps } from './deps.js';
import { getSettings } from './settings.js';

export type RetentionTable = 'batchItems' | 'batches' | 'events' | 'deliveries';
type PerTable = Record<RetentionTable, number>;

export interface PurgeResult {
  /** Rows deleted per table. */
  deleted: PerTable;
  /** Delete statements that removed at least one row, per table. */
  chunks: PerTable;
  /** The most rows any one statement deleted (never more than `chunk`). */
  largestChunk: number;
  /** A table used up its `maxChunks`: expired rows remain for the next run. */
  more: boolean;
}

export interface PurgeOptions {
  /** Rows per delete statement; each statement commits on its own, so locks stay short. */
  chunk?: number;
  /** Statements per table per call, so one call is bounded however large the backlog. */
  maxChunks?: number;
}

const DAY_MS = 86_400_000;

/**
 * Deletes what is older than the operator's retention (settings `keep_*_days`): finished batches with
 * their items (by `finished_at`; a pending or running batch is never touched), events (by `at`), and
 * sent or failed deliveries (by `coalesce(sent_at, created_at)`; a `queued` one is an outbox row not yet
 * delivered and is never touched). Everything goes in chunks of `chunk` rows, each its own autocommitted
 * statement: batch items first, then only the batches left without items, so the batch delete's
 * ON DELETE CASCADE never has a large set of items to remove under one lock. Detections pointing at a
 * purged batch keep their row (`batch_id` is ON DELETE SET NULL).
 */
export async function purgeExpired(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  options: PurgeOptions = {},
): Promise<PurgeResult> {
  const chunk = options.chunk ?? 5_000;
  const maxChunks = options.maxChunks ?? 200;
  if (!Number.isSafeInteger(chunk) || chunk < 1) throw new Error(`purge chunk must be >= 1; got ${chunk}`);
  if (!Number.isSafeInteger(maxChunks) || maxChunks < 1) {
    throw new Error(`purge maxChunks must be >= 1; got ${maxChunks}`);
  }
  const settings = await getSettings(deps);
  const now = deps.clock.now().getTime();
  const batchCutoff = new Date(now - settings.keepBatchesDays * DAY_MS);
  const eventCutoff = new Date(now - settings.keepEventsDays * DAY_MS);
  const deliveryCutoff = new Date(now - settings.keepDeliveriesDays * DAY_MS);
  const { sql } = deps;

  const result: PurgeResult = {
    deleted: { batchItems: 0, batches: 0, events: 0, deliveries: 0 },
    chunks: { batchItems: 0, batches: 0, events: 0, deliveries: 0 },
    largestChunk: 0,
    more: false,
  };

  /** Runs `once` until it deletes fewer than `chunk` rows or the table's budget is spent. */
  const drain = async (table: RetentionTable, once: () => Promise<number>): Promise<void> => {
    for (let i = 0; i < maxChunks; i++) {
      const n = await once();
      if (n > 0) {
        result.deleted[table] += n;
        result.chunks[table] += 1;
        result.largestChunk = Math.max(result.largestChunk, n);
      }
      if (n < chunk) return;
    }
    result.more = true;
  };

  // `ctid = any(array(...))` is a TID scan: each statement touches only the rows it picked.
  await drain('batchItems', async () => {
    const r = await sql`
      delete from batch_items where ctid = any(array(
        select i.ctid from batch_items i
        where i.batch_id in (
          select b.id from batches b
          where b.finished_at < ${batchCutoff} and b.status not in ('pending', 'in_progress'))
        limit ${chunk}))`;
    return r.count;
  });
  // Only batches whose items are all gone: if the items' budget ran out, the rest wait for next time.
  await drain('batches', async () => {
    const r = await sql`
      delete from batches where ctid = any(array(
        select b.ctid from batches b
        where b.finished_at < ${batchCutoff} and b.status not in ('pending', 'in_progress')
          and not exists (select 1 from batch_items i where i.batch_id = b.id)
        limit ${chunk}))`;
    return r.count;
  });
  await drain('events', async () => {
    const r = await sql`
      delete from events where ctid = any(array(
        select ctid from events where at < ${eventCutoff} limit ${chunk}))`;
    return r.count;
  });
  await drain('deliveries', () => purgeFinishedDeliveries(deps, deliveryCutoff, chunk));
  return result;
}
