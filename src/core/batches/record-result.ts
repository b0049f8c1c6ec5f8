import { NOT_FOUND_MIN_GAP_MS } from '../../checker/not-found-strike.js';
import type { CheckResult } from '../../checker/types.js';
import { CONCLUSIVE_OUTCOMES } from '../../checker/types.js';
import type { CoreDeps } from '../deps.js';

export interface RecordOutcome {
  /** False when this profile already had an outcome in this batch (a retried or re-delivered check). */
  applied: boolean;
  detection: boolean;
}

/**
 * Records one check of one profile in one batch, exactly once. It is a single statement (so a single
 * transaction): the batch item's outcome is set only while it is still null, and the profile counters,
 * the detection row and the batch counters change only when that update touched a row. A re-delivered
 * job or a duplicate runner therefore cannot count a profile twice, and a crash between any two steps
 * is impossible because there are no two steps.
 *
 * Error outcomes (rate_limited, proxy_failed, ...) close the item and count in `batches.errors` but do
 * not touch the profile: nothing was learned about it, so it stays first in line for the next batch.
 * `not_found` follows the checker's two-strike rule (src/checker/not-found-strike.ts, inlined here so it
 * shares the statement): deleted only when a second not-found comes through a different proxy at least
 * NOT_FOUND_MIN_GAP_MS after the first; a strike that does not confirm leaves the first one standing.
 */
export async function recordCheckResult(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  batchId: number,
  result: CheckResult,
): Promise<RecordOutcome> {
  const now = deps.clock.now();
  const outcome = result.outcome;
  const conclusive = CONCLUSIVE_OUTCOMES.has(outcome);
  const isStory = outcome === 'story';
  const proxyId = result.proxyId ?? null;
  const takenAt = result.story?.takenAt ?? null;
  const expiresAt = result.story?.expiresAt ?? (takenAt ? new Date(takenAt.getTime() + 24 * 3600_000) : null);
  const [row] = await deps.sql<Array<{ applied: number; detections: number }>>`
    with item as (
      update batch_items
      set outcome = ${outcome}, checked_at = ${now}, attempts = attempts + ${Math.max(1, result.attempts)}
      where batch_id = ${batchId} and username = ${result.username} and outcome is null
      returning username
    ),
    prev as (
      select p.username, p.not_found_strikes as strikes,
        (p.not_found_strikes >= 1 and p.last_not_found_at is not null
          and (${proxyId}::int is null or p.last_not_found_proxy_id is null
               or p.last_not_found_proxy_id <> ${proxyId}::int)
          and ${now}::timestamptz - p.last_not_found_at >= make_interval(secs => ${NOT_FOUND_MIN_GAP_MS / 1000}::float8)
        ) as confirms
      from profiles p where p.username in (select username from item)
    ),
    prof as (
      update profiles p set
        total_checks = p.total_checks + 1,
        last_checked_at = ${now},
        total_detected = p.total_detected + ${isStory ? 1 : 0},
        last_detected_at = case when ${isStory}::boolean then ${now}::timestamptz else p.last_detected_at end,
        ig_user_id = coalesce(${result.igUserId ?? null}::text, p.ig_user_id),
        not_found_strikes = case when ${outcome} <> 'not_found' then 0
                                 when prev.confirms then prev.strikes + 1
                                 when prev.strikes >= 1 then prev.strikes else 1 end,
        last_not_found_at = case when ${outcome} <> 'not_found' or (prev.strikes >= 1 and not prev.confirms)
                                 then p.last_not_found_at else ${now}::timestamptz end,
        last_not_found_proxy_id = case when ${outcome} <> 'not_found' or (prev.strikes >= 1 and not prev.confirms)
                                       then p.last_not_found_proxy_id else ${proxyId}::int end,
        status = case when ${outcome} = 'not_found' and prev.confirms then 'deleted'::profile_status
                      else p.status end
      from prev
      where p.username = prev.username and ${conclusive}::boolean
      returning (${outcome} = 'not_found' and prev.confirms) as became_deleted
    ),
    det as (
      insert into detections (username, niche_id, batch_id, detected_at, story_taken_at, story_expires_at)
      select i.username, b.niche_id, b.id, ${now}, ${takenAt}::timestamptz,
             coalesce(${expiresAt}::timestamptz, ${now}::timestamptz + interval '24 hours')
      from item i
      join batches b on b.id = ${batchId}
      join profiles p on p.username = i.username
      where ${isStory}::boolean
      on conflict (batch_id, username) do nothing
      returning id
    ),
    bat as (
      update batches set
        checked = checked + 1,
        stories = stories + ${isStory ? 1 : 0},
        not_found = not_found + case when ${outcome} = 'not_found'
          and not coalesce((select bool_or(became_deleted) from prof), false) then 1 else 0 end,
        deleted = deleted + case when coalesce((select bool_or(became_deleted) from prof), false) then 1 else 0 end,
        private = private + ${outcome === 'private' ? 1 : 0},
        errors = case when ${conclusive}::boolean then errors
          else jsonb_set(errors, array[${outcome}::text], to_jsonb(coalesce((errors ->> ${outcome}::text)::int, 0) + 1))
          end
      where id = ${batchId} and exists (select 1 from item)
      returning id
    )
    select (select count(*) from item)::int as applied, (select count(*) from det)::int as detections`;
  return { applied: (row?.applied ?? 0) > 0, detection: (row?.detections ?? 0) > 0 };
}
