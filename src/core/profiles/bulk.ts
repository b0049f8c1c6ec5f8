import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { recordEvent } from '../events.js';
import { parseToken } from '../import/parse-usernames.js';
import { findNicheByName, UNASSIGNED } from '../niches.js';

type Deps = Pick<CoreDeps, 'sql' | 'db' | 'clock' | 'log'>;

/** Names shown in an event message; the full lists stay in the reply and the event's data. */
const SHOWN = 20;

export interface MalformedName {
  text: string;
  reason: string;
}

export interface BulkResult {
  /** Valid names, lowercase, each once. */
  requested: string[];
  /** Inputs that are not usernames at all, as given, with the reason. */
  malformed: MalformedName[];
  /** Valid names that are not in the master list. */
  notFound: string[];
}

export interface DeleteResult extends BulkResult {
  deleted: string[];
}

export interface MoveResult extends BulkResult {
  /** The niche's stored name, or `unassigned`. */
  niche: string;
  moved: string[];
  /** Already in that niche: nothing to do for them. */
  alreadyThere: string[];
}

/**
 * Normalises operator-given names the way import does (lowercase, `@name`, profile URLs; separated by
 * whitespace, commas or semicolons): duplicates collapse, malformed ones are reported with the reason.
 */
export function normalizeNames(inputs: readonly string[]): {
  usernames: string[];
  malformed: MalformedName[];
} {
  const seen = new Set<string>();
  const usernames: string[] = [];
  const malformed: MalformedName[] = [];
  for (const raw of inputs) {
    for (const part of raw.split(/[\s,;]+/u)) {
      if (part === '') continue;
      const token = parseToken(part);
      if (!token.ok)
        malformed.push({ text: part.length > 60 ? `${part.slice(0, 57)}...` : part, reason: token.reason });
      else if (!seen.has(token.username)) {
        seen.add(token.username);
        usernames.push(token.username);
      }
    }
  }
  return { usernames, malformed };
}

function normalizeOrRefuse(inputs: readonly string[]): { usernames: string[]; malformed: MalformedName[] } {
  const { usernames, malformed } = normalizeNames(inputs);
  if (usernames.length === 0) {
    throw new UserError(
      'no_usernames',
      malformed.length > 0
        ? `None of the given names is a valid Instagram username (1-30 of a-z 0-9 . _, also @name or a profile URL): ${malformed
            .slice(0, 5)
            .map((m) => `"${m.text}" (${m.reason})`)
            .join(', ')}.`
        : 'Give at least one username (or @name, or a profile URL).',
      { malformed },
    );
  }
  return { usernames, malformed };
}

function missing(requested: readonly string[], found: Iterable<string>): string[] {
  const seen = new Set(found);
  return requested.filter((u) => !seen.has(u));
}

/**
 * Removes profiles from the master list (their detections go with them, ON DELETE CASCADE). Removing,
 * rather than marking `deleted`, is what the operator asks for: a later import may add the name again.
 */
export async function deleteProfiles(deps: Deps, inputs: readonly string[]): Promise<DeleteResult> {
  const { usernames, malformed } = normalizeOrRefuse(inputs);
  const rows = await deps.sql<{ username: string }[]>`
    delete from profiles where username = any(${usernames}::text[]) returning username`;
  const deletedSet = new Set(rows.map((r) => r.username));
  const deleted = usernames.filter((u) => deletedSet.has(u));
  const notFound = missing(usernames, deletedSet);
  if (deleted.length > 0) {
    deps.log.info({ deleted: deleted.length, notFound: notFound.length }, 'profiles deleted');
    await recordEvent(deps, {
      kind: 'profile',
      message: `Deleted ${deleted.length} profile${deleted.length === 1 ? '' : 's'}: ${deleted.slice(0, SHOWN).join(', ')}${deleted.length > SHOWN ? ', ...' : ''}`,
      data: { deleted, notFound, malformed },
    });
  }
  return { requested: usernames, malformed, notFound, deleted };
}

/** Moves profiles (any status) to a niche, or to `unassigned`. */
export async function moveProfiles(
  deps: Deps,
  target: string,
  inputs: readonly string[],
): Promise<MoveResult> {
  const toUnassigned = target.trim().toLowerCase() === UNASSIGNED;
  const niche = toUnassigned ? null : await findNicheByName(deps, target);
  const { usernames, malformed } = normalizeOrRefuse(inputs);
  const nicheId = niche?.id ?? null;
  const rows = await deps.sql<{ username: string; moved: boolean }[]>`
    with old as (
      select username, niche_id from profiles where username = any(${usernames}::text[]) for update
    ), changed as (
      update profiles p set niche_id = ${nicheId}
      from old where p.username = old.username and old.niche_id is distinct from ${nicheId}::int
      returning p.username
    )
    select old.username, (changed.username is not null) as moved
    from old left join changed on changed.username = old.username`;
  const movedSet = new Set(rows.filter((r) => r.moved).map((r) => r.username));
  const thereSet = new Set(rows.filter((r) => !r.moved).map((r) => r.username));
  const moved = usernames.filter((u) => movedSet.has(u));
  const alreadyThere = usernames.filter((u) => thereSet.has(u));
  const notFound = missing(
    usernames,
    rows.map((r) => r.username),
  );
  const nicheName = niche?.name ?? UNASSIGNED;
  if (moved.length > 0) {
    await recordEvent(deps, {
      kind: 'profile',
      message: `Moved ${moved.length} profile${moved.length === 1 ? '' : 's'} to ${niche ? `niche "${nicheName}"` : 'unassigned'}: ${moved.slice(0, SHOWN).join(', ')}${moved.length > SHOWN ? ', ...' : ''}`,
      data: { nicheId, niche: nicheName, moved, alreadyThere, notFound, malformed },
    });
  }
  return { requested: usernames, malformed, notFound, niche: nicheName, moved, alreadyThere };
}
