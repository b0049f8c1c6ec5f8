import { asc, sql } from 'drizzle-orm';
import { niches } from '../../core/db/schema/index.js';
import type { CoreDeps } from '../../core/deps.js';
import type { ArgSpec } from '../commands/types.js';

/** Discord shows at most 25 choices. */
const MAX_CHOICES = 25;
const UNASSIGNED = 'unassigned';

export interface Choice {
  name: string;
  value: string;
}

/**
 * Autocomplete for niche options, straight from the niches table: names containing what was typed
 * (case-insensitive), in the operator's display order. One indexed query on a small table, well inside
 * Discord's 3 s.
 */
export async function nicheChoices(
  core: Pick<CoreDeps, 'db'>,
  source: NonNullable<ArgSpec['autocomplete']>,
  typed: string,
): Promise<Choice[]> {
  const needle = typed.trim().toLowerCase();
  const pattern = `%${needle.replace(/[\\%_]/g, '\\$&')}%`;
  const rows = await core.db
    .select({ name: niches.name })
    .from(niches)
    .where(sql`lower(${niches.name}) like ${pattern}`)
    .orderBy(asc(niches.position), asc(niches.name))
    .limit(MAX_CHOICES);
  const choices = rows.map((r) => ({ name: r.name, value: r.name }));
  if (source !== 'niche-or-unassigned') return choices;
  // "unassigned" is a scope of its own, offered when it matches what was typed. ("all", which only
  // `profiles list` takes, can still be typed: autocomplete never restricts what is entered.)
  const extra = UNASSIGNED.includes(needle) ? [{ name: UNASSIGNED, value: UNASSIGNED }] : [];
  return [...extra, ...choices].slice(0, MAX_CHOICES);
}
