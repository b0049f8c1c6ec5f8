import { NOT_FOUND_MIN_GAP_MS } from '../core/batches/not-found-rule.js';
import type { CoreDeps } from '../core/deps.js';

export { NOT_FOUND_MIN_GAP_MS };

export interface StrikeState {
  strikes: number;
  lastAt: Date | null;
  lastProxyId: number | null;
}

/** Pure rule: does a not_found at `at` through `proxyId` confirm the earlier strike? */
export function isConfirmingStrike(
  prev: StrikeState,
  at: Date,
  proxyId: number | null,
  minGapMs = NOT_FOUND_MIN_GAP_MS,
): boolean {
  if (prev.strikes < 1 || prev.lastAt === null) return false;
  const differentProxy = proxyId === null || prev.lastProxyId === null || proxyId !== prev.lastProxyId;
  return differentProxy && at.getTime() - prev.lastAt.getTime() >= minGapMs;
}

export interface StrikeOutcome {
  strikes: number;
  deleted: boolean;
}

/**
 * Records a not_found answer for a profile (call it when recording a `not_found` outcome): the first
 * strike is remembered with its proxy and time, a confirming second one marks the profile deleted.
 * Single statement, so concurrent recorders cannot both count.
 */
export async function applyNotFoundStrike(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  input: { username: string; proxyId: number | null; minGapMs?: number },
): Promise<StrikeOutcome | null> {
  const at = deps.clock.now();
  const gapMs = input.minGapMs ?? NOT_FOUND_MIN_GAP_MS;
  const proxyId = input.proxyId;
  const rows = await deps.sql<Array<{ strikes: number; deleted: boolean }>>`
    with prev as (
      select username, not_found_strikes, last_not_found_at, last_not_found_proxy_id,
        (not_found_strikes >= 1 and last_not_found_at is not null
         and (${proxyId}::int is null or last_not_found_proxy_id is null or last_not_found_proxy_id <> ${proxyId}::int)
         and ${at}::timestamptz - last_not_found_at >= make_interval(secs => ${gapMs}::float8 / 1000.0)) as confirms
      from profiles where username = ${input.username} for update
    )
    update profiles p set
      not_found_strikes = case when prev.confirms then prev.not_found_strikes + 1
                               when prev.not_found_strikes >= 1 then prev.not_found_strikes else 1 end,
      last_not_found_at = case when prev.not_found_strikes >= 1 and not prev.confirms then prev.last_not_found_at else ${at}::timestamptz end,
      last_not_found_proxy_id = case when prev.not_found_strikes >= 1 and not prev.confirms then prev.last_not_found_proxy_id
                                     else ${proxyId}::int end,
      status = case when prev.confirms then 'deleted'::profile_status else p.status end
    from prev where p.username = prev.username
    returning p.not_found_strikes as strikes, (p.status = 'deleted') as deleted`;
  return rows[0] ?? null;
}

/** A conclusive answer other than not_found clears the strikes (the profile exists after all). */
export async function clearNotFoundStrikes(deps: Pick<CoreDeps, 'sql'>, username: string): Promise<void> {
  await deps.sql`update profiles set not_found_strikes = 0 where username = ${username} and not_found_strikes > 0`;
}
