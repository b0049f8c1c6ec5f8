import type { CoreDeps } from './deps.js';

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
