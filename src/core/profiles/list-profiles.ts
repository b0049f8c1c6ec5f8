import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { ALL_NICHES, findNicheByName, UNASSIGNED } from '../niches.js';

export const PROFILE_PAGE_SIZE = 50;
/** The scope word for the whole master list (every niche and the unassigned). */
export const ALL_PROFILES = ALL_NICHES;

export const PROFILE_STATUSES = ['active', 'deleted', 'all'] as const;
export type ProfileStatusFilter = (typeof PROFILE_STATUSES)[number];

export const PROFILE_SORTS = ['username', 'checked', 'detected', 'count'] as const;
export type ProfileSort = (typeof PROFILE_SORTS)[number];

/**
 * Each sort ends with username so pages are stable. Every (niche, status) sort has an index with these
 * exact columns and directions (see schema/profiles.ts), so a page is an index scan, never a sort.
 */
const ORDER: Record<ProfileSort, (t: string) => string> = {
  username: (t) => `${t}username`,
  checked: (t) => `${t}last_checked_at desc nulls last, ${t}username`,
  detected: (t) => `${t}last_detected_at desc nulls last, ${t}username`,
  count: (t) => `${t}total_detected desc nulls last, ${t}username`,
};

export interface ListProfilesInput {
  /** A niche name, `unassigned`, or `all` for the whole master list. */
  scope: string;
  status?: ProfileStatusFilter;
  sort?: ProfileSort;
  page?: number;
  pageSize?: number;
}

export interface ProfileRow {
  username: string;
  niche: string | null;
  status: 'active' | 'deleted';
  lastCheckedAt: Date | null;
  lastDetectedAt: Date | null;
  totalChecks: number;
  totalDetected: number;
}

export interface ProfilePage {
  /** The niche's name as stored, `unassigned`, or `all`. */
  scope: string;
  status: ProfileStatusFilter;
  sort: ProfileSort;
  page: number;
  pages: number;
  pageSize: number;
  total: number;
  profiles: ProfileRow[];
}

type Where = { clause: string; params: unknown[] };

async function scopeWhere(
  deps: Pick<CoreDeps, 'sql'>,
  scope: string,
): Promise<{ name: string; where: Where }> {
  const word = scope.trim().toLowerCase();
  if (word === UNASSIGNED) return { name: UNASSIGNED, where: { clause: 'niche_id is null', params: [] } };
  if (word === ALL_PROFILES) return { name: ALL_PROFILES, where: { clause: 'true', params: [] } };
  const niche = await findNicheByName(deps, scope);
  return { name: niche.name, where: { clause: 'niche_id = $1', params: [niche.id] } };
}

/**
 * One status branch per query part: `all` is a UNION ALL of the active and deleted branches, which the
 * planner merges (Merge Append) from two ordered index scans instead of sorting the whole niche.
 */
function branches(status: ProfileStatusFilter): Array<'active' | 'deleted'> {
  return status === 'all' ? ['active', 'deleted'] : [status];
}

const COLUMNS = `p.username, n.name as niche, p.status, p.last_checked_at as "lastCheckedAt",
  p.last_detected_at as "lastDetectedAt", p.total_checks as "totalChecks", p.total_detected as "totalDetected"`;

/** The page query on its own, for the bench's EXPLAIN; params are [...scope params, limit, offset]. */
export function profilePageQuery(
  where: Where,
  status: ProfileStatusFilter,
  sort: ProfileSort,
): { text: string; params: (limit: number, offset: number) => unknown[] } {
  const base = where.params.length;
  const order = ORDER[sort];
  // The whole master list in every status is simply the primary key in username order.
  const parts =
    where.clause === 'true' && status === 'all' && sort === 'username'
      ? ['select * from profiles']
      : branches(status).map((s) => `select * from profiles where ${where.clause} and status = '${s}'`);
  const text = `
    select ${COLUMNS}
    from (select * from (${parts.join(' union all ')}) u order by ${order('')} limit $${base + 1} offset $${base + 2}) p
    left join niches n on n.id = p.niche_id
    order by ${order('p.')}`;
  return { text, params: (limit, offset) => [...where.params, limit, offset] };
}

/** Lists a niche's (or the unassigned, or all) profiles one page at a time, with the page count and total. */
export async function listProfiles(
  deps: Pick<CoreDeps, 'sql'>,
  input: ListProfilesInput,
): Promise<ProfilePage> {
  const status = input.status ?? 'active';
  const sort = input.sort ?? 'username';
  const pageSize = input.pageSize ?? PROFILE_PAGE_SIZE;
  const page = input.page ?? 1;
  if (!Number.isSafeInteger(page) || page < 1) {
    throw new UserError('page_invalid', `Page must be a whole number from 1; got ${page}.`);
  }
  const { name, where } = await scopeWhere(deps, input.scope);
  const statusClause = status === 'all' ? '' : ` and status = '${status}'`;
  const [countRow] = await deps.sql.unsafe<{ n: number }[]>(
    `select count(*)::int as n from profiles where ${where.clause}${statusClause}`,
    where.params as never[],
  );
  const total = countRow?.n ?? 0;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (page > pages) {
    throw new UserError(
      'page_out_of_range',
      `Page ${page} does not exist: ${describeScope(name, status)} has ${total} profile${total === 1 ? '' : 's'}, ${pages} page${pages === 1 ? '' : 's'} of ${pageSize}.`,
      { total, pages },
    );
  }
  const query = profilePageQuery(where, status, sort);
  const profiles = await deps.sql.unsafe<ProfileRow[]>(
    query.text,
    query.params(pageSize, (page - 1) * pageSize) as never[],
  );
  return { scope: name, status, sort, page, pages, pageSize, total, profiles: [...profiles] };
}

export function describeScope(scope: string, status: ProfileStatusFilter): string {
  const who =
    scope === UNASSIGNED ? 'unassigned' : scope === ALL_PROFILES ? 'the master list' : `niche "${scope}"`;
  return status === 'all' ? who : `${who} (${status})`;
}
