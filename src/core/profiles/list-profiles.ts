import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { ALL_NICHES, findNicheByName, UNASSIGNED } from '../niches.js';
import { countProfiles } from './profile-counts.js';

export const PROFILE_PAGE_SIZE = 50;
/** The scope word for the whole master list (every niche and the unassigned). */
export const ALL_PROFILES = ALL_NICHES;

export const PROFILE_STATUSES = ['active', 'deleted', 'all'] as const;
export type ProfileStatusFilter = (typeof PROFILE_STATUSES)[number];

export const PROFILE_SORTS = ['username', 'checked', 'detected', 'count'] as const;
export type ProfileSort = (typeof PROFILE_SORTS)[number];

/**
 * Each sort ends with username so pages are stable. Within a niche (or the unassigned) every sort has an
 * index with these exact columns and directions (see schema/profiles.ts), so a page is an index range,
 * never a sort. The whole master list is indexed by username only; its other sorts sort the keys.
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

interface Scope {
  name: string;
  where: Where;
  /** The key in profile_count_deltas: 0 = unassigned, null = the whole master list. */
  countKey: number | null;
}

async function scopeWhere(deps: Pick<CoreDeps, 'sql'>, scope: string): Promise<Scope> {
  const word = scope.trim().toLowerCase();
  if (word === UNASSIGNED)
    return { name: UNASSIGNED, where: { clause: 'niche_id is null', params: [] }, countKey: 0 };
  if (word === ALL_PROFILES)
    return { name: ALL_PROFILES, where: { clause: 'true', params: [] }, countKey: null };
  const niche = await findNicheByName(deps, scope);
  return { name: niche.name, where: { clause: 'niche_id = $1', params: [niche.id] }, countKey: niche.id };
}

/**
 * One status branch per query part: `all` is a UNION ALL of the active and deleted branches, each an
 * index-only scan of its own range (the planner merges them, or sorts the keys when that is cheaper).
 */
function branches(status: ProfileStatusFilter): Array<'active' | 'deleted'> {
  return status === 'all' ? ['active', 'deleted'] : [status];
}

/** The columns each sort needs besides username: exactly what its index holds, so scans stay index-only. */
const SORT_COLUMNS: Record<ProfileSort, string> = {
  username: '',
  checked: ', last_checked_at',
  detected: ', last_detected_at',
  count: ', total_detected',
};

const COLUMNS = `p.username, n.name as niche, p.status, p.last_checked_at as "lastCheckedAt",
  p.last_detected_at as "lastDetectedAt", p.total_checks as "totalChecks", p.total_detected as "totalDetected"`;

/**
 * The page query; params are [...scope params, limit, offset]. A deferred join: the offset is walked
 * on an index-only scan of the sort key (deep pages skip index entries, not heap rows), and only the
 * page's rows are then read from the table.
 */
export function profilePageQuery(
  where: Where,
  status: ProfileStatusFilter,
  sort: ProfileSort,
): { text: string; params: (limit: number, offset: number) => unknown[] } {
  const base = where.params.length;
  const order = ORDER[sort];
  const keys = `username${SORT_COLUMNS[sort]}`;
  // The whole master list in every status is simply the primary key in username order.
  const parts =
    where.clause === 'true' && status === 'all'
      ? [`select ${keys} from profiles`]
      : branches(status).map((s) => `select ${keys} from profiles where ${where.clause} and status = '${s}'`);
  const text = `
    select ${COLUMNS}
    from (
      select ${keys} from (${parts.join(' union all ')}) u
      order by ${order('')} limit $${base + 1} offset $${base + 2}
    ) k
    join profiles p on p.username = k.username
    left join niches n on n.id = p.niche_id
    order by ${order('k.')}`;
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
  const { name, where, countKey } = await scopeWhere(deps, input.scope);
  const total = await countProfiles(deps, countKey, status);
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
