import { and, desc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { batches, niches } from '../db/schema/index.js';
import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { nicheNotFound, normalizeNicheName } from '../niches.js';
import { ACTIVE_STATUSES, type Batch } from './types.js';

export async function getBatch(deps: Pick<CoreDeps, 'db'>, id: number): Promise<Batch | undefined> {
  const [row] = await deps.db.select().from(batches).where(eq(batches.id, id));
  return row;
}

/** A batch with its niche's current name (a renamed niche), or the name it had when it was removed. */
const currentNames = {
  ...getTableColumns(batches),
  nicheName: sql<string>`coalesce(${niches.name}, ${batches.nicheName})`,
};

/** Pending and running batches, oldest first. */
export async function listActiveBatches(deps: Pick<CoreDeps, 'db'>): Promise<Batch[]> {
  return deps.db
    .select(currentNames)
    .from(batches)
    .leftJoin(niches, eq(niches.id, batches.nicheId))
    .where(inArray(batches.status, [...ACTIVE_STATUSES]))
    .orderBy(batches.id);
}

/** The newest batches, optionally of one niche (by id). */
export async function listBatchHistory(
  deps: Pick<CoreDeps, 'db'>,
  options: { nicheId?: number; limit?: number } = {},
): Promise<Batch[]> {
  const where = options.nicheId === undefined ? undefined : eq(batches.nicheId, options.nicheId);
  return deps.db
    .select(currentNames)
    .from(batches)
    .leftJoin(niches, eq(niches.id, batches.nicheId))
    .where(where)
    .orderBy(desc(batches.id))
    .limit(options.limit ?? 10);
}

export async function activeBatchForNiche(
  deps: Pick<CoreDeps, 'db'>,
  nicheId: number,
): Promise<Batch | undefined> {
  const [row] = await deps.db
    .select()
    .from(batches)
    .where(and(eq(batches.nicheId, nicheId), inArray(batches.status, [...ACTIVE_STATUSES])));
  return row;
}

export interface NicheRef {
  id: number;
  name: string;
  dailyTarget: number;
}

/** Finds a niche by name (any case) or by numeric id; a clear UserError when there is none. */
export async function findNiche(deps: Pick<CoreDeps, 'sql'>, nameOrId: string | number): Promise<NicheRef> {
  const rows =
    typeof nameOrId === 'number'
      ? await deps.sql<NicheRef[]>`
          select id, name, daily_target as "dailyTarget" from niches where id = ${nameOrId}`
      : await deps.sql<NicheRef[]>`
          select id, name, daily_target as "dailyTarget" from niches
          where lower(name) in (lower(${normalizeNicheName(nameOrId)}), lower(${nameOrId.trim()}))
          order by lower(name) = lower(${normalizeNicheName(nameOrId)}) desc limit 1`;
  const niche = rows[0];
  if (!niche) {
    if (typeof nameOrId === 'number')
      throw new UserError('niche_not_found', `There is no niche #${nameOrId}.`);
    throw await nicheNotFound(deps, normalizeNicheName(nameOrId));
  }
  return niche;
}

/** The profiles of a batch still without an outcome, with their cached Instagram ids, in username order. */
export async function pendingItems(
  deps: Pick<CoreDeps, 'sql'>,
  batchId: number,
  options: { after?: string; limit: number },
): Promise<Array<{ username: string; igUserId: string | null; lastCheckedAt: Date | null }>> {
  return deps.sql<Array<{ username: string; igUserId: string | null; lastCheckedAt: Date | null }>>`
    select i.username, p.ig_user_id as "igUserId", p.last_checked_at as "lastCheckedAt"
    from batch_items i left join profiles p on p.username = i.username
    where i.batch_id = ${batchId} and i.outcome is null and i.username > ${options.after ?? ''}
    order by i.username
    limit ${options.limit}`;
}

export async function countPendingItems(deps: Pick<CoreDeps, 'sql'>, batchId: number): Promise<number> {
  const [row] = await deps.sql<Array<{ n: number }>>`
    select count(*)::int as n from batch_items where batch_id = ${batchId} and outcome is null`;
  return row?.n ?? 0;
}
