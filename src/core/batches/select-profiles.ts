import type postgres from 'postgres';
import type { SelectionPolicy } from './types.js';

/**
 * Writes the batch's profiles into batch_items, chosen inside the same transaction that created the
 * batch, so a batch always knows exactly which profiles it owes (and a resumed batch which are left).
 *
 * `oldest`: never checked first, then checked longest ago (served by profiles_next_check_idx).
 * `yield`: ranks by each profile's own history (see below).
 */
export async function selectProfilesInto(
  tx: postgres.TransactionSql,
  batchId: number,
  nicheId: number,
  count: number,
  policy: SelectionPolicy,
  now: Date,
): Promise<number> {
  if (policy === 'oldest') {
    const rows = await tx`
      insert into batch_items (batch_id, username)
      select ${batchId}, username from profiles
      where niche_id = ${nicheId} and status = 'active'
      order by last_checked_at asc nulls first, username
      limit ${count}
      returning username`;
    return rows.length;
  }
  // Expected new stories from checking a profile now: its own story rate per check, smoothed towards a
  // prior of 1 in 4 so two lucky checks do not dominate, times the share of a story's 24 h life that
  // has passed since its last check (a profile checked an hour ago can only show that hour's stories),
  // plus a small bonus for rarely checked profiles so newcomers get a chance to prove themselves.
  const rows = await tx`
    insert into batch_items (batch_id, username)
    select ${batchId}, username from profiles
    where niche_id = ${nicheId} and status = 'active'
    order by (
      ((total_detected + 1.0) / (total_checks + 4.0))
      * case when last_checked_at is null then 1.0
             else least(1.0, greatest(0.0,
               extract(epoch from (${now}::timestamptz - last_checked_at)) / 86400.0)) end
      + 0.05 / sqrt(total_checks + 1.0)
    ) desc, last_checked_at asc nulls first, username
    limit ${count}
    returning username`;
  return rows.length;
}
