import type { CoreDeps } from '../deps.js';
import { ALL_NICHES, findNicheByName, UNASSIGNED } from '../niches.js';
import type { ProfileStatusFilter } from './list-profiles.js';

export const EXPORT_FORMATS = ['txt', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Rows fetched per cursor round trip: memory stays bounded whatever the size of the list. */
export const EXPORT_CURSOR_ROWS = 500;

/** Every master-list column, in the order of the CSV header. */
export const EXPORT_CSV_COLUMNS = [
  'username',
  'niche',
  'status',
  'ig_user_id',
  'added_at',
  'last_checked_at',
  'last_detected_at',
  'total_checks',
  'total_detected',
  'not_found_strikes',
  'last_not_found_at',
  'last_not_found_proxy_id',
] as const;

export interface ExportScope {
  /** The niche's name as stored, `unassigned` or `all`. */
  scope: string;
  status: ProfileStatusFilter;
  /** `niche_id` filter: a niche id, null for unassigned, undefined for the whole master list. */
  nicheId: number | null | undefined;
}

/** Resolves `NAME|unassigned|all`; an unknown niche is refused (a UserError naming it). */
export async function resolveExportScope(
  deps: Pick<CoreDeps, 'sql'>,
  scope: string,
  status: ProfileStatusFilter = 'active',
): Promise<ExportScope> {
  const word = scope.trim().toLowerCase();
  if (word === UNASSIGNED) return { scope: UNASSIGNED, status, nicheId: null };
  if (word === ALL_NICHES) return { scope: ALL_NICHES, status, nicheId: undefined };
  const niche = await findNicheByName(deps, scope);
  return { scope: niche.name, status, nicheId: niche.id };
}

/** A CSV field: quoted when it holds a comma, quote or line break (niche names may). */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The scope's profiles in username order as text chunks (one per cursor batch, with its row count): `.txt` is one username a
 * line, `.csv` a header and every master-list column. Read with a server-side cursor, so a
 * 1,000,000-row list never sits in memory; the consumer's pace is the query's pace.
 */
export async function* exportProfiles(
  deps: Pick<CoreDeps, 'sql'>,
  scope: ExportScope,
  format: ExportFormat,
): AsyncGenerator<{ text: string; rows: number }> {
  const { sql } = deps;
  const byNiche =
    scope.nicheId === undefined
      ? sql`true`
      : scope.nicheId === null
        ? sql`p.niche_id is null`
        : sql`p.niche_id = ${scope.nicheId}`;
  const byStatus = scope.status === 'all' ? sql`true` : sql`p.status = ${scope.status}`;
  const columns =
    format === 'txt'
      ? sql`p.username`
      : sql`p.username, n.name as niche, p.status, p.ig_user_id, p.added_at, p.last_checked_at,
          p.last_detected_at, p.total_checks, p.total_detected, p.not_found_strikes, p.last_not_found_at,
          p.last_not_found_proxy_id`;
  const query = sql<Record<string, unknown>[]>`
    select ${columns} from profiles p left join niches n on n.id = p.niche_id
    where ${byNiche} and ${byStatus}
    order by p.username`;
  if (format === 'csv') yield { text: `${EXPORT_CSV_COLUMNS.join(',')}\n`, rows: 0 };
  for await (const rows of query.cursor(EXPORT_CURSOR_ROWS)) {
    const text =
      format === 'txt'
        ? rows.map((r) => `${r.username}\n`).join('')
        : rows.map((r) => `${EXPORT_CSV_COLUMNS.map((c) => csvField(r[c])).join(',')}\n`).join('');
    yield { text, rows: rows.length };
  }
}
