import { type CheckResult, CONCLUSIVE_OUTCOMES } from '../checks.js';
import type { CoreDeps } from '../deps.js';
import { NOT_FOUND_MIN_GAP_MS } from './not-found-rule.js';

export interface RecordOutcome {
  /** False when this profile already had an outcome in this batch (a retried or re-delivered check). */
  applied: boolean;
  detection: boolean;
}

export interface RecordedChecks {
  /** Usernames whose item was still open and is now closed by this call; the others were already recorded. */
  applied: ReadonlySet<string>;
  /** Usernames that got a detection row from this call. */
  detections: ReadonlySet<string>;
}

/**
 * Records checks of profiles in one batch, each exactly once. It is a single statement (so a single
 * transaction): the batch item's outcome is set only while it is still null, and the profile counters,
 * the detection row and the batch counters change only when that update touched a row. A re-delivered
 * job or a duplicate runner therefore cannot count a profile twice, and a crash between any two steps
 * is impossible because there are no two steps.
 *
 * Error outcomes (rate_limited, proxy_failed, ...) close the item and count in `batches.errors` but do
 * not touch the profile: nothing was learned about it, so it stays first in line for the next batch.
 * `not_found` follows the two-strike rule (not-found-rule.ts; this statement is its one implementation):
 * deleted only when a second not-found comes through a different proxy at least NOT_FOUND_MIN_GAP_MS
 * after the first; a strike that does not confirm leaves the first one standing.
 *
 * Many results go in one statement (the batch engine groups the answers that arrive while a write is
 * under way): one round trip, one commit and one update of the batch row for all of them, instead of
 * twenty writers queueing on that row's lock at 200 checks a second.
 */
export async function recordCheckResults(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  batchId: number,
  answers: readonly CheckResult[],
): Promise<RecordedChecks> {
  // `no_route` means nobody answered for this profile: it is never written (the item stays open).
  const results = answers.filter((r) => r.outcome !== 'no_route');
  const now = deps.clock.now();
  const seen = new Set<string>();
  if (results.length === 0) return { applied: new Set(), detections: new Set() };
  const rows = [];
  for (const r of results) {
    // One answer per profile and statement: a second one for the same item could not apply anyway.
    if (seen.has(r.username)) continue;
    seen.add(r.username);
    const takenAt = r.story?.takenAt ?? null;
    const expiresAt = r.story?.expiresAt ?? (takenAt ? new Date(takenAt.getTime() + 24 * 3600_000) : null);
    rows.push({
      username: r.username,
      outcome: r.outcome,
      attempts: Math.max(1, r.attempts),
      proxy_id: r.proxyId ?? null,
      ig_user_id: r.igUserId ?? null,
      taken_at: takenAt?.toISOString() ?? null,
      expires_at: expiresAt?.toISOString() ?? null,
      conclusive: CONCLUSIVE_OUTCOMES.has(r.outcome),
    });
  }
  const [row] = await deps.sql<Array<{ applied: string[]; detections: string[] }>>`
    with input as materialized (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as r(
        username text, outcome text, attempts int, proxy_id int, ig_user_id text,
        taken_at timestamptz, expires_at timestamptz, conclusive boolean)
    ),
    item as (
      update batch_items bi
      set outcome = i.outcome, checked_at = ${now}, attempts = bi.attempts + i.attempts
      from input i
      where bi.batch_id = ${batchId} and bi.username = i.username and bi.outcome is null
      returning bi.username
    ),
    applied as materialized (
      select i.*, i.outcome = 'story' as is_story from input i join item using (username)
    ),
    prev as (
      select p.username, p.not_found_strikes as strikes,
        (p.not_found_strikes >= 1 and p.last_not_found_at is not null
          and (a.proxy_id is null or p.last_not_found_proxy_id is null
               or p.last_not_found_proxy_id <> a.proxy_id)
          and ${now}::timestamptz - p.last_not_found_at >= make_interval(secs => ${NOT_FOUND_MIN_GAP_MS / 1000}::float8)
        ) as confirms
      from profiles p join applied a using (username)
    ),
    prof as (
      update profiles p set
        total_checks = p.total_checks + 1,
        last_checked_at = ${now},
        total_detected = p.total_detected + case when a.is_story then 1 else 0 end,
        last_detected_at = case when a.is_story then ${now}::timestamptz else p.last_detected_at end,
        ig_user_id = coalesce(a.ig_user_id, p.ig_user_id),
        not_found_strikes = case when a.outcome <> 'not_found' then 0
                                 when prev.confirms then prev.strikes + 1
                                 when prev.strikes >= 1 then prev.strikes else 1 end,
        last_not_found_at = case when a.outcome <> 'not_found' or (prev.strikes >= 1 and not prev.confirms)
                                 then p.last_not_found_at else ${now}::timestamptz end,
        last_not_found_proxy_id = case when a.outcome <> 'not_found' or (prev.strikes >= 1 and not prev.confirms)
                                       then p.last_not_found_proxy_id else a.proxy_id end,
        status = case when a.outcome = 'not_found' and prev.confirms then 'deleted'::profile_status
                      else p.status end
      from applied a join prev on prev.username = a.username
      where p.username = a.username and a.conclusive
      returning p.username, (a.outcome = 'not_found' and prev.confirms) as became_deleted
    ),
    det as (
      insert into detections (username, niche_id, batch_id, detected_at, story_taken_at, story_expires_at)
      select a.username, b.niche_id, b.id, ${now}, a.taken_at,
             coalesce(a.expires_at, ${now}::timestamptz + interval '24 hours')
      from applied a
      join batches b on b.id = ${batchId}
      join profiles p on p.username = a.username
      where a.is_story
      on conflict (batch_id, username) do nothing
      returning username
    ),
    bat as (
      update batches set
        checked = checked + (select count(*) from applied),
        stories = stories + (select count(*) from applied where is_story),
        not_found = not_found + (select count(*) from applied a where a.outcome = 'not_found'
          and not exists (select 1 from prof where prof.username = a.username and prof.became_deleted)),
        deleted = deleted + (select count(*) from prof where became_deleted),
        private = private + (select count(*) from applied where outcome = 'private'),
        errors = errors || coalesce((
          select jsonb_object_agg(e.outcome, coalesce((batches.errors ->> e.outcome)::int, 0) + e.n)
          from (select outcome, count(*)::int as n from applied where not conclusive group by outcome) e
        ), '{}'::jsonb)
      where id = ${batchId} and exists (select 1 from applied)
      returning id
    )
    select (select coalesce(array_agg(username), '{}') from item) as applied,
           (select coalesce(array_agg(username), '{}') from det) as detections`;
  return { applied: new Set(row?.applied ?? []), detections: new Set(row?.detections ?? []) };
}

/** One check: see recordCheckResults. */
export async function recordCheckResult(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  batchId: number,
  result: CheckResult,
): Promise<RecordOutcome> {
  const r = await recordCheckResults(deps, batchId, [result]);
  return { applied: r.applied.has(result.username), detection: r.detections.has(result.username) };
}

/**
 * Caches ids that lookups learned for checks that could not finish (a cancel or shutdown came while
 * they waited for a proxy): the next try skips the lookup instead of asking Instagram again.
 */
export async function rememberUserIds(
  deps: Pick<CoreDeps, 'sql'>,
  learned: ReadonlyArray<{ username: string; igUserId: string }>,
): Promise<void> {
  if (learned.length === 0) return;
  await deps.sql`
    update profiles p set ig_user_id = l.id
    from jsonb_to_recordset(${JSON.stringify(learned.map((l) => ({ u: l.username, id: l.igUserId })))}::text::jsonb)
      as l(u text, id text)
    where p.username = l.u and p.ig_user_id is null`;
}
