import type { CoreDeps } from '../../core/deps.js';
import { nicheNamesMatching, UNASSIGNED } from '../../core/niches.js';
import type { ArgSpec } from '../commands/types.js';

/** Discord shows at most 25 choices. */
const MAX_CHOICES = 25;

export interface Choice {
  name: string;
  value: string;
}

/** Autocomplete for niche options: the niches whose names contain what was typed, in display order. */
export async function nicheChoices(
  core: Pick<CoreDeps, 'sql'>,
  source: NonNullable<ArgSpec['autocomplete']>,
  typed: string,
): Promise<Choice[]> {
  const names = await nicheNamesMatching(core, typed, MAX_CHOICES);
  const choices = names.map((name) => ({ name, value: name }));
  if (source !== 'niche-or-unassigned') return choices;
  // "unassigned" is a scope of its own, offered when it matches what was typed. ("all", which only
  // `profiles list` takes, can still be typed: autocomplete never restricts what is entered.)
  const extra = UNASSIGNED.includes(typed.trim().toLowerCase())
    ? [{ name: UNASSIGNED, value: UNASSIGNED }]
    : [];
  return [...extra, ...choices].slice(0, MAX_CHOICES);
}
