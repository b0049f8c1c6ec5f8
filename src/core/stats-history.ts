import type { CoreDeps } from './deps.js';
import { startOfDay } from './time.js';

export const HISTORY_DAYS = 7;

export interface NicheHistory {
  /** Null for stories of a niche removed since. */
  nicheId: number | null;
  niche: string;
  /** The niche's daily target now (0: none); history keeps no old targets. */
  target: number;
  /** Profiles with a story per local day, aligned with `StatsHistory.days`. */
  stories: number[];
  /** Answered checks over the whole period (failed checks are not answers, as in `stats`). */
  checks: number;
  /** Sum of `stories` per answered check, null without checks. */
  hitRate: number | null;
}

/** Plain JSON (strings and numbers only): it travels through the deliveries outbox inside a Reply. */
export interface StatsHistory {
  timeZone: string;
  /** Local calendar days `YYYY-MM-DD`, oldest first; the last one holds `to`. */
  days: string[];
  /** The period as instants (ISO): midnight of the first day in `timeZone`, to `to`. */
  from: string;
  to: string;
  /** Every niche in list order (zeros when it found nothing), then removed niches' stories. */
  niches: NicheHistory[];
}

/** The local date `YYYY-MM-DD` of an instant in `timeZone`. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** Midnights of the `days` local days ending with the one holding `to`, oldest first (DST-safe). */
function dayStarts(to: Date, timeZone: string, days: number): Date[] {
  const starts = [startOfDay(to, timeZone)];
  while (starts.length < days)
    starts.unshift(startOfDay(new Date((starts[0] as Date).getTime() - 1), timeZone));
  return starts;
}

type Row = { niche_id: number | null; bucket: number; n: number };

/**
 * Profiles with a story per niche per local day. A story is counted by the niche of the batch that
 * found it and once per profile per day, as `core/stories-today.ts` counts today. Detections are purged
 * after 24 h, so older days come from the batches' items (outcome `story`, kept for the batch
 * retention); the union of both makes today agree with `stats` and the auto-trigger exactly.
 */
async function storiesPerDay(deps: Pick<CoreDeps, 'sql'>, starts: Date[], to: Date): Promise<Row[]> {
  const from = starts[0] as Date;
  const bounds = starts.map((d) => d.toISOString());
  return deps.sql<Row[]>`
    with story as (
      select username, niche_id, detected_at as at from detections
      where detected_at >= ${from} and detected_at <= ${to}
      union
      select i.username, b.niche_id, i.checked_at from batch_items i join batches b on b.id = i.batch_id
      where i.outcome = 'story' and i.checked_at >= ${from} and i.checked_at <= ${to}
    )
    select niche_id, width_bucket(at, ${bounds}::timestamptz[]) as bucket,
      count(distinct username)::int as n
    from story group by 1, 2`;
}

/**
 * Stories per niche per local day over the last `days` days in `timeZone` (today so far included), each
 * niche's daily target, and its hit rate over the period. `now` may be a moment just before midnight to
 * end the period with a whole day (the daily digest).
 */
export async function statsHistory(
  deps: Pick<CoreDeps, 'sql'>,
  options: { timeZone: string; now: Date; days?: number },
): Promise<StatsHistory> {
  const { timeZone, now: to } = options;
  const starts = dayStarts(to, timeZone, options.days ?? HISTORY_DAYS);
  const from = starts[0] as Date;
  const niches = await deps.sql<Array<{ id: number; name: string; target: number }>>`
    select id, name, daily_target as target from niches order by position, id`;
  const stories = await storiesPerDay(deps, starts, to);
  const checks = await deps.sql<Array<{ niche_id: number | null; n: number }>>`
    select b.niche_id, count(*)::int as n
    from batch_items i join batches b on b.id = i.batch_id
    where i.outcome in ('story', 'no_story', 'private', 'not_found', 'unavailable')
      and i.checked_at >= ${from} and i.checked_at <= ${to}
    group by 1`;
  const known = new Set(niches.map((n) => n.id));
  const rows: Array<{ nicheId: number | null; niche: string; target: number }> = niches.map((n) => ({
    nicheId: n.id,
    niche: n.name,
    target: n.target,
  }));
  if (stories.some((s) => s.niche_id === null || !known.has(s.niche_id)))
    rows.push({ nicheId: null, niche: '(removed niche)', target: 0 });
  const keyOf = (id: number | null) => (id !== null && known.has(id) ? id : null);
  return {
    timeZone,
    days: starts.map((d) => localDate(d, timeZone)),
    from: from.toISOString(),
    to: to.toISOString(),
    niches: rows.map((r) => {
      const perDay = starts.map(() => 0);
      for (const s of stories) {
        if (keyOf(s.niche_id) === r.nicheId && s.bucket >= 1)
          perDay[s.bucket - 1] = (perDay[s.bucket - 1] ?? 0) + s.n;
      }
      const answered = checks.filter((c) => keyOf(c.niche_id) === r.nicheId).reduce((a, c) => a + c.n, 0);
      const total = perDay.reduce((a, n) => a + n, 0);
      return { ...r, stories: perDay, checks: answered, hitRate: answered > 0 ? total / answered : null };
    }),
  };
}
