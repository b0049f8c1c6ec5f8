import type { CoreDeps } from './deps.js';
import { UserError } from './errors.js';
import { recordEvent } from './events.js';
import { findNicheByName } from './niches.js';

export const TARGET_MIN = 0;
export const TARGET_MAX = 800;

export interface NicheTarget {
  nicheId: number;
  niche: string;
  dailyTarget: number;
}

export function validateTarget(count: number): number {
  if (!Number.isSafeInteger(count) || count < TARGET_MIN || count > TARGET_MAX) {
    throw new UserError(
      'target_out_of_range',
      `A daily target must be a whole number from ${TARGET_MIN} to ${TARGET_MAX} stories (0 turns auto batches off); got ${count}.`,
      { min: TARGET_MIN, max: TARGET_MAX },
    );
  }
  return count;
}

/** Daily story targets of every niche, in display order. */
export async function listTargets(deps: Pick<CoreDeps, 'sql'>): Promise<NicheTarget[]> {
  return [
    ...(await deps.sql<NicheTarget[]>`
      select id as "nicheId", name as niche, daily_target as "dailyTarget" from niches order by position, id`),
  ];
}

/**
 * Sets a niche's daily target. The auto-trigger reads it each time it runs, so the change only shapes
 * batches triggered from now on; a running batch keeps its size.
 */
export async function setTarget(
  deps: Pick<CoreDeps, 'sql' | 'db' | 'clock'>,
  name: string,
  count: number,
): Promise<NicheTarget & { previous: number }> {
  const target = validateTarget(count);
  const niche = await findNicheByName(deps, name);
  await deps.sql`update niches set daily_target = ${target} where id = ${niche.id}`;
  await recordEvent(deps, {
    kind: 'target',
    message: `Daily target of "${niche.name}" set to ${target} (was ${niche.dailyTarget})`,
    data: { nicheId: niche.id, niche: niche.name, target, previous: niche.dailyTarget },
  });
  return { nicheId: niche.id, niche: niche.name, dailyTarget: target, previous: niche.dailyTarget };
}
