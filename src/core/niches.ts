import type { CoreDeps } from './deps.js';
import { UserError } from './errors.js';
import { recordEvent } from './events.js';
import { allProfileCounts } from './profiles/profile-counts.js';

export const NICHE_NAME_MAX = 50;
/** The word the profile commands use for profiles without a niche, so no niche may take it. */
export const UNASSIGNED = 'unassigned';
/** The word for the whole master list in `profiles list all`. */
export const ALL_NICHES = 'all';
const RESERVED: Record<string, string> = {
  [UNASSIGNED]: 'profiles without a niche',
  [ALL_NICHES]: 'the whole master list',
  // Keyword options of the profile commands (`profiles list NAME page 2`) take these words anywhere.
  page: 'the page option of the profile commands',
  sort: 'the sort option of the profile commands',
};

/**
 * The form a niche name is stored and looked up in: NFC (a typed "café" and a pasted decomposed one are
 * the same niche), and any run of Unicode spaces as one plain space (a non-breaking space would split
 * the name into two words on Telegram and look identical in every list).
 */
export function normalizeNicheName(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/\p{Zs}+/gu, ' ')
    .trim();
}

export interface Niche {
  id: number;
  name: string;
  position: number;
  dailyTarget: number;
}

export interface NicheSummary extends Niche {
  active: number;
  deleted: number;
}

export interface NicheList {
  niches: NicheSummary[];
  unassigned: { active: number; deleted: number };
}

type Deps = Pick<CoreDeps, 'sql' | 'db' | 'clock' | 'log'>;

const CONTROL = /\p{C}/u;

/** Trims and checks a niche name; the message says what is accepted. */
export function validateNicheName(raw: string): string {
  const name = normalizeNicheName(raw);
  if (name === '') throw new UserError('niche_name_empty', 'A niche name cannot be empty (1-50 characters).');
  const length = [...name].length;
  if (length > NICHE_NAME_MAX) {
    throw new UserError(
      'niche_name_too_long',
      `A niche name can have at most ${NICHE_NAME_MAX} characters; "${name.slice(0, 20)}..." has ${length}.`,
    );
  }
  if (CONTROL.test(name)) {
    throw new UserError(
      'niche_name_unprintable',
      'A niche name may only contain printable characters (no line breaks, tabs or control characters).',
    );
  }
  const reserved = RESERVED[name.toLowerCase()];
  if (reserved) {
    throw new UserError('niche_name_reserved', `"${name}" is reserved for ${reserved}; choose another name.`);
  }
  if (/^#?\d+$/.test(name)) {
    throw new UserError(
      'niche_name_number',
      `A niche name cannot be just a number ("${name}"): numbers stand for batch ids and hours in the batch and results commands. Use a word with it, such as "Niche ${name.replace('#', '')}".`,
    );
  }
  return name;
}

const COLUMNS = 'id, name, position, daily_target as "dailyTarget"';

export async function listNicheNames(deps: Pick<CoreDeps, 'sql'>): Promise<string[]> {
  const rows = await deps.sql<{ name: string }[]>`select name from niches order by position, id`;
  return rows.map((r) => r.name);
}

/**
 * Niche names containing `typed` (any case; `%` and `_` match themselves), in the operator's display
 * order: Discord's autocomplete, one indexed query on a small table, well inside its 3 s.
 */
export async function nicheNamesMatching(
  deps: Pick<CoreDeps, 'sql'>,
  typed: string,
  limit: number,
): Promise<string[]> {
  const pattern = `%${typed
    .trim()
    .toLowerCase()
    .replace(/[\\%_]/g, '\\$&')}%`;
  const rows = await deps.sql<{ name: string }[]>`
    select name from niches where lower(name) like ${pattern} order by position, name limit ${limit}`;
  return rows.map((r) => r.name);
}

function namesHint(names: readonly string[]): string {
  if (names.length === 0) return 'there are no niches yet (add one with `niche add NAME`)';
  const shown = names.slice(0, 20).join(', ');
  return `niches are: ${shown}${names.length > 20 ? `, ... (${names.length} in all)` : ''}`;
}

/** Finds a niche by name, any case; the error lists the niches that do exist. */
export async function findNicheByName(deps: Pick<CoreDeps, 'sql'>, rawName: string): Promise<Niche> {
  const name = normalizeNicheName(rawName);
  // The stored form too: a name kept as it was (see migration 0007), or sent back as stored (Discord).
  const rows = await deps.sql.unsafe<Niche[]>(
    `select ${COLUMNS} from niches where lower(name) in (lower($1), lower($2)) order by lower(name) = lower($1) desc limit 1`,
    [name, rawName.trim()],
  );
  const niche = rows[0];
  if (niche) return niche;
  throw await nicheNotFound(deps, name);
}

/** The refusal for a niche name that matches none: it lists the niches that do exist. */
export async function nicheNotFound(deps: Pick<CoreDeps, 'sql'>, name: string): Promise<UserError> {
  return new UserError(
    'niche_not_found',
    `No niche named "${name}"; ${namesHint(await listNicheNames(deps))}.`,
  );
}

/** The niche disappeared mid-command: say so with the usual not-found message, listing the niches. */
async function vanished(deps: Pick<CoreDeps, 'sql'>, rawName: string, what: string): Promise<Error> {
  await findNicheByName(deps, rawName);
  return new Error(`niche changed concurrently during ${what}`);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; constraint_name?: string; cause?: unknown };
  if (e?.code === '23505' && e.constraint_name === 'niches_name_lower_uq') return true;
  return e?.cause !== undefined && e.cause !== err && isUniqueViolation(e.cause);
}

async function nameTaken(deps: Pick<CoreDeps, 'sql'>, name: string): Promise<UserError> {
  const [row] = await deps.sql<
    { name: string }[]
  >`select name from niches where lower(name) = lower(${name})`;
  const existing = row?.name ?? name;
  return new UserError(
    'niche_exists',
    `A niche named "${existing}" already exists (names are compared without case); choose another name.`,
    { existing },
  );
}

export async function createNiche(deps: Deps, rawName: string): Promise<Niche> {
  const name = validateNicheName(rawName);
  let niche: Niche | undefined;
  try {
    const rows = await deps.sql.unsafe<Niche[]>(
      `insert into niches (name, position, created_at)
       values ($1, (select coalesce(max(position), 0) + 1 from niches), $2)
       returning ${COLUMNS}`,
      [name, deps.clock.now()],
    );
    niche = rows[0];
  } catch (err) {
    if (isUniqueViolation(err)) throw await nameTaken(deps, name);
    throw err;
  }
  if (!niche) throw new Error('insert into niches returned no row');
  deps.log.info({ nicheId: niche.id, niche: niche.name }, 'niche created');
  await recordEvent(deps, {
    kind: 'niche',
    message: `Niche "${name}" created`,
    data: { nicheId: niche.id, name },
  });
  return niche;
}

export async function renameNiche(
  deps: Deps,
  rawName: string,
  rawNewName: string,
): Promise<{ from: string; niche: Niche }> {
  const current = await findNicheByName(deps, rawName);
  const newName = validateNicheName(rawNewName);
  if (newName === current.name) {
    throw new UserError('niche_same_name', `The niche is already called "${current.name}"; nothing changed.`);
  }
  let niche: Niche | undefined;
  try {
    const rows = await deps.sql.unsafe<Niche[]>(
      `update niches set name = $1 where id = $2 returning ${COLUMNS}`,
      [newName, current.id],
    );
    niche = rows[0];
  } catch (err) {
    if (isUniqueViolation(err)) throw await nameTaken(deps, newName);
    throw err;
  }
  if (!niche) throw await vanished(deps, rawName, 'rename');
  await recordEvent(deps, {
    kind: 'niche',
    message: `Niche "${current.name}" renamed to "${newName}"`,
    data: { nicheId: niche.id, from: current.name, to: newName },
  });
  return { from: current.name, niche };
}

export interface RemovedNiche {
  niche: Niche;
  /** Profiles (active or deleted) that had this niche and are now unassigned. */
  unassigned: number;
}

/**
 * Deletes a niche; its profiles become unassigned (FK ON DELETE SET NULL) and its past batches and
 * detections keep their niche name. A niche with a pending or running batch is refused: deleting it
 * would leave a batch checking profiles for a niche that no longer exists, so the operator cancels first.
 */
export async function removeNiche(deps: Deps, rawName: string): Promise<RemovedNiche> {
  const found = await findNicheByName(deps, rawName);
  const result = await deps.sql.begin(async (tx) => {
    // Locking the row serialises with a batch being created for it (its FK check needs a share lock).
    const [locked] = await tx.unsafe<Niche[]>(`select ${COLUMNS} from niches where id = $1 for update`, [
      found.id,
    ]);
    if (!locked) return undefined;
    const [active] = await tx<{ id: string; status: string }[]>`
      select id, status from batches where niche_id = ${found.id} and status in ('pending', 'in_progress') limit 1`;
    if (active) {
      throw new UserError(
        'niche_has_active_batch',
        `Niche "${locked.name}" has batch #${active.id} ${active.status === 'pending' ? 'waiting to start' : 'running'}; cancel it first (batch cancel ${locked.name}), then remove the niche.`,
        { batchId: Number(active.id) },
      );
    }
    const [count] = await tx<
      { n: number }[]
    >`select count(*)::int as n from profiles where niche_id = ${found.id}`;
    await tx`delete from niches where id = ${found.id}`;
    // Keep positions dense so `niche move` positions match what `niche list` shows.
    await tx`
      update niches n set position = r.rn
      from (select id, row_number() over (order by position, id) as rn from niches) r
      where n.id = r.id and n.position <> r.rn`;
    return { niche: locked, unassigned: count?.n ?? 0 };
  });
  if (!result) throw await vanished(deps, rawName, 'removal');
  deps.log.info({ nicheId: result.niche.id, unassigned: result.unassigned }, 'niche removed');
  await recordEvent(deps, {
    kind: 'niche',
    message: `Niche "${result.niche.name}" removed; ${result.unassigned} profiles became unassigned`,
    data: { nicheId: result.niche.id, name: result.niche.name, unassigned: result.unassigned },
  });
  return result;
}

/** Moves a niche to a display position (1 = first) and renumbers all positions 1..n. Visual only. */
export async function moveNiche(deps: Deps, rawName: string, position: number): Promise<Niche[]> {
  const found = await findNicheByName(deps, rawName);
  const ordered = await deps.sql.begin(async (tx) => {
    const rows = await tx.unsafe<Niche[]>(`select ${COLUMNS} from niches order by position, id for update`);
    if (!Number.isInteger(position) || position < 1 || position > rows.length) {
      throw new UserError(
        'niche_position_range',
        `Position must be a whole number from 1 to ${rows.length} (there ${rows.length === 1 ? 'is 1 niche' : `are ${rows.length} niches`}); got ${position}.`,
      );
    }
    const moving = rows.find((r) => r.id === found.id);
    if (!moving) return undefined;
    const rest = rows.filter((r) => r.id !== found.id);
    rest.splice(position - 1, 0, moving);
    const ids = rest.map((r) => r.id);
    await tx`
      update niches n set position = o.pos
      from unnest(${ids}::int[]) with ordinality as o(id, pos)
      where n.id = o.id and n.position <> o.pos`;
    return rest.map((r, i) => ({ ...r, position: i + 1 }));
  });
  if (!ordered) throw await vanished(deps, rawName, 'move');
  await recordEvent(deps, {
    kind: 'niche',
    message: `Niche "${found.name}" moved to position ${position}`,
    data: { nicheId: found.id, position },
  });
  return ordered;
}

/** Niches in display order with their profile counts (from the trigger-kept count log) and daily targets. */
export async function listNiches(deps: Pick<CoreDeps, 'sql'>): Promise<NicheList> {
  const niches = await deps.sql.unsafe<Niche[]>(`select ${COLUMNS} from niches order by position, id`);
  const byNiche = new Map<number | null, { active: number; deleted: number }>();
  for (const c of await allProfileCounts(deps)) {
    const entry = byNiche.get(c.nicheId) ?? { active: 0, deleted: 0 };
    entry[c.status] = c.n;
    byNiche.set(c.nicheId, entry);
  }
  return {
    niches: niches.map((n) => ({ ...n, ...(byNiche.get(n.id) ?? { active: 0, deleted: 0 }) })),
    unassigned: byNiche.get(null) ?? { active: 0, deleted: 0 },
  };
}
