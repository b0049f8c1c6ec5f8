import type postgres from 'postgres';
import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { recordEvent } from '../events.js';
import { findNicheByName } from '../niches.js';
import { decodeText } from './decode-text.js';
import {
  type CommentLines,
  type FreeTextRow,
  type HeaderLine,
  type MalformedEntry,
  type ParsedUsernames,
  parseUsernames,
} from './parse-usernames.js';

/** One piece of input: an uploaded file (bytes) or names typed into the command (text). */
export type ImportSource = { label: string; bytes: Uint8Array } | { label: string; text: string };

export interface PresentInNiche {
  /** null: the profiles are unassigned. */
  niche: string | null;
  count: number;
  /** Of those, how many are marked deleted (an import does not bring them back). */
  deleted: number;
  examples: string[];
}

export interface ImportReport {
  niche: string;
  added: number;
  /** Profiles that were in the master list without a niche (and not deleted): the import claimed them. */
  movedFromUnassigned: number;
  /** The first few of them, alphabetically. */
  movedExamples: string[];
  /** In the list already and left where they are: another niche, this niche, or deleted. */
  alreadyPresent: number;
  alreadyPresentByNiche: PresentInNiche[];
  /** Entries naming a username that came earlier in the same import. */
  repeated: number;
  malformed: number;
  malformedExamples: Array<MalformedEntry & { source: string }>;
  /** Every entry seen: added + movedFromUnassigned + alreadyPresent + repeated + malformed. */
  entries: number;
  lines: number;
  /** Header lines skipped (a CSV header naming the column read, or a lone `username` line). */
  headers: Array<HeaderLine & { source: string }>;
  /** Files read without a header whose rows look like CSV with free text (full names) in a cell. */
  freeTextRows: Array<FreeTextRow & { source: string }>;
  /** Per source with any: lines starting with "#", skipped (first line numbers). */
  comments: Array<CommentLines & { source: string }>;
  /** Per source with any: lines whose end, from a " #", was read as a comment and not imported. */
  trailingComments: Array<CommentLines & { source: string }>;
  ms: number;
}

const EXAMPLES = 10;
const NICHE_EXAMPLES = 3;
/** Serialization failures and deadlocks are safe to retry: the transaction left nothing behind. */
const RETRYABLE = new Set(['40001', '40P01']);

interface Combined
  extends Omit<
    ParsedUsernames,
    'malformedExamples' | 'header' | 'freeTextRow' | 'comments' | 'trailingComments'
  > {
  malformedExamples: ImportReport['malformedExamples'];
  headers: ImportReport['headers'];
  freeTextRows: ImportReport['freeTextRows'];
  comments: ImportReport['comments'];
  trailingComments: ImportReport['trailingComments'];
}

function lineList(c: CommentLines): string {
  const more = c.count > c.lines.length ? ` (first ${c.lines.length} of ${c.count})` : '';
  return `${c.lines.join(', ')}${more}`;
}

/**
 * The comments an import skipped, worded as `proxy add` words its own, one note per source and kind,
 * so whoever wrote a note after " #" sees that it was not read as usernames.
 */
export function commentNotes(r: Pick<ImportReport, 'comments' | 'trailingComments'>): string[] {
  const notes = r.comments.map(
    (c) =>
      `${c.source}: skipped ${c.count} ${c.count === 1 ? 'comment' : 'comments'} (starting with #): ` +
      `${c.lines.length === 1 ? 'line' : 'lines'} ${lineList(c)}.`,
  );
  for (const c of r.trailingComments) {
    notes.push(
      `${c.source}: ${c.lines.length === 1 ? 'line' : 'lines'} ${lineList(c)}: the text after ' #' was read ` +
        'as a comment and not imported.',
    );
  }
  return notes;
}

function parseSources(sources: readonly ImportSource[]): Combined {
  const seen = new Set<string>();
  const out: Combined = {
    usernames: [],
    repeated: 0,
    malformed: 0,
    malformedExamples: [],
    entries: 0,
    lines: 0,
    headers: [],
    freeTextRows: [],
    comments: [],
    trailingComments: [],
  };
  for (const source of sources) {
    let text: string;
    if ('bytes' in source) {
      if (source.bytes.length === 0) {
        throw new UserError('import_empty', `${source.label} is empty; nothing was imported.`);
      }
      text = decodeText(source.bytes).text;
    } else {
      text = source.text;
    }
    // Only a file has lines (a header, comments, lines of text): typed names are words, each a name.
    const isFile = 'bytes' in source;
    const parsed = parseUsernames(text, { maxExamples: EXAMPLES, detectHeader: isFile, typedWords: !isFile });
    if (parsed.entries === 0 && parsed.header && isFile) {
      throw new UserError(
        'import_empty',
        `${source.label} has only a header line (line ${parsed.header.line}, "${parsed.header.column}") ` +
          'and no usernames under it; nothing was imported.',
      );
    }
    if (parsed.entries === 0 && isFile) {
      throw new UserError(
        'import_empty',
        `${source.label} has no entries (only blank lines${parsed.comments.count > 0 ? ' and comments' : ''}); ` +
          'nothing was imported.',
      );
    }
    // Several sources share one "seen" set: a name in the file and the message counts once.
    for (const name of parsed.usernames) {
      if (seen.has(name)) out.repeated++;
      else {
        seen.add(name);
        out.usernames.push(name);
      }
    }
    out.repeated += parsed.repeated;
    out.malformed += parsed.malformed;
    out.entries += parsed.entries;
    out.lines += parsed.lines;
    if (parsed.header) out.headers.push({ ...parsed.header, source: source.label });
    if (parsed.freeTextRow) out.freeTextRows.push({ ...parsed.freeTextRow, source: source.label });
    if (parsed.comments.count > 0) out.comments.push({ ...parsed.comments, source: source.label });
    if (parsed.trailingComments.count > 0) {
      out.trailingComments.push({ ...parsed.trailingComments, source: source.label });
    }
    for (const m of parsed.malformedExamples) {
      if (out.malformedExamples.length < EXAMPLES) out.malformedExamples.push({ ...m, source: source.label });
    }
  }
  return out;
}

function nothingValid(parsed: Combined, sources: readonly ImportSource[]): UserError {
  const where = sources.map((s) => s.label).join(' and ');
  if (parsed.entries === 0) {
    return new UserError(
      'import_empty',
      `No usernames given: ${where} had no entries. Nothing was imported.`,
    );
  }
  const shown = parsed.malformedExamples
    .slice(0, 3)
    .map((m) => `line ${m.line} "${m.text}": ${m.reason}`)
    .join('; ');
  const read = parsed.headers
    .filter((h) => h.columns > 1)
    .map((h) => ` (read the column "${h.column}")`)
    .join('');
  return new UserError(
    'import_no_valid_usernames',
    `No valid usernames in ${where}${read}: ${parsed.entries} ${parsed.entries === 1 ? 'entry' : 'entries'} on ` +
      `${parsed.lines} ${parsed.lines === 1 ? 'line' : 'lines'}, all malformed (e.g. ${shown}). A username is ` +
      "1-30 of a-z, 0-9, '.' and '_', or a profile link like https://www.instagram.com/name/. Nothing was imported.",
    { malformed: parsed.malformed, examples: parsed.malformedExamples },
  );
}

function isRetryable(err: unknown): boolean {
  return RETRYABLE.has((err as { code?: string })?.code ?? '');
}

interface Written {
  added: number;
  moved: number;
  movedExamples: string[];
  byNiche: PresentInNiche[];
  present: number;
}

/** How far an import is: names written of all the valid names it holds. */
export interface ImportProgress {
  niche: string;
  done: number;
  total: number;
}

/** Below this many names an import is one statement and says nothing until it is done. */
const PROGRESS_MIN_NAMES = 10_000;
/** Progress is told after each tenth of the names. */
const PROGRESS_STEPS = 10;

interface Chunk {
  added: number;
  moved: number;
  movedExamples: string[];
  /** The names left where they were, comma-joined. */
  skipped: string;
}

/**
 * The statement that writes names. New names are inserted; a name in the master list without a niche
 * (and not deleted) joins this niche (`do update ... where`, told apart by `xmax = 0` on a fresh row);
 * every other existing profile stays where it is and comes back in `skipped`.
 */
async function writeChunk(
  tx: postgres.TransactionSql,
  nicheId: number,
  names: readonly string[],
): Promise<Chunk> {
  // One text parameter split server-side: no 65,535-parameter limit, no per-element array quoting.
  // Usernames cannot contain ',' so it is a safe separator.
  const joined = names.join(',');
  const [row] = await tx<
    { added: number; moved: number; movedExamples: string[] | null; skipped: string | null }[]
  >`
    with input as materialized (select u from unnest(string_to_array(${joined}, ',')) with ordinality as t(u, n) order by n),
    ins as (
      insert into profiles as p (username, niche_id)
      select u, ${nicheId}::int from input
      on conflict (username) do update set niche_id = excluded.niche_id
        where p.niche_id is null and p.status <> 'deleted'
      returning p.username, (p.xmax = 0) as fresh
    )
    select (select count(*) filter (where fresh)::int from ins) as added,
           (select count(*) filter (where not fresh)::int from ins) as moved,
           (select (array_agg(username order by username) filter (where not fresh))[1:${NICHE_EXAMPLES}] from ins) as "movedExamples",
           (select string_agg(i.u, ',') from input i where not exists (select 1 from ins where ins.username = i.u)) as skipped`;
  return {
    added: row?.added ?? 0,
    moved: row?.moved ?? 0,
    movedExamples: row?.movedExamples ?? [],
    skipped: row?.skipped ?? '',
  };
}

/**
 * Writes the sorted names, then groups the ones left alone by niche for the report. With someone to
 * tell (`onProgress`, the console) a large import goes in ten statements, in sorted order (so row locks
 * are still taken in one order), reporting after each; otherwise in one.
 */
async function writeNames(
  tx: postgres.TransactionSql,
  nicheId: number,
  sorted: readonly string[],
  onProgress?: (done: number) => void,
): Promise<Written> {
  const size =
    onProgress && sorted.length >= PROGRESS_MIN_NAMES
      ? Math.ceil(sorted.length / PROGRESS_STEPS)
      : sorted.length;
  const all: Chunk = { added: 0, moved: 0, movedExamples: [], skipped: '' };
  for (let from = 0; from < sorted.length; from += size) {
    const c = await writeChunk(tx, nicheId, sorted.slice(from, from + size));
    all.added += c.added;
    all.moved += c.moved;
    all.movedExamples.push(...c.movedExamples.slice(0, NICHE_EXAMPLES - all.movedExamples.length));
    if (c.skipped !== '') all.skipped = all.skipped === '' ? c.skipped : `${all.skipped},${c.skipped}`;
    onProgress?.(Math.min(sorted.length, from + size));
  }
  const { added, moved, movedExamples, skipped } = all;
  if (skipped === '') return { added, moved, movedExamples, byNiche: [], present: 0 };
  const groups = await tx<PresentInNiche[]>`
    select n.name as niche, count(*)::int as count,
           (count(*) filter (where p.status = 'deleted'))::int as deleted,
           (array_agg(p.username order by p.username))[1:${NICHE_EXAMPLES}] as examples
    from unnest(string_to_array(${skipped}, ',')) as s(u)
    join profiles p on p.username = s.u
    left join niches n on n.id = p.niche_id
    group by n.name
    order by count(*) desc, n.name nulls last`;
  return {
    added,
    moved,
    movedExamples,
    byNiche: groups.map((g) => ({ ...g })),
    present: sorted.length - added - moved,
  };
}

/**
 * Adds the usernames of the sources to a niche in one transaction. New names join the niche, and so do
 * profiles that were unassigned (the operator is sorting the master list into niches); profiles of
 * another niche, and deleted ones, stay where they are and are reported. A name a concurrent import
 * inserted first waits for that import and then counts here as already present. Names go in sorted, so
 * overlapping imports take their row locks in one order and cannot deadlock each other.
 */
export async function importUsernames(
  deps: Pick<CoreDeps, 'sql' | 'db' | 'clock' | 'log'>,
  input: {
    niche: string;
    sources: readonly ImportSource[];
    /** Told how far an import of 10,000 names or more is (ten times); a retried transaction starts again from 0. */
    onProgress?: (progress: ImportProgress) => void;
  },
): Promise<ImportReport> {
  const started = performance.now();
  const niche = await findNicheByName(deps, input.niche);
  const parsed = parseSources(input.sources);
  if (parsed.usernames.length === 0) throw nothingValid(parsed, input.sources);
  const sorted = parsed.usernames.slice().sort();

  let outcome: Written | undefined;
  for (let attempt = 1; outcome === undefined; attempt++) {
    try {
      outcome = await deps.sql.begin(async (tx) => {
        // FOR SHARE keeps the niche from being deleted or renamed under the import.
        const lock = await tx`select id from niches where id = ${niche.id} for share`;
        if (lock.length === 0) {
          await findNicheByName(deps, input.niche);
          throw new UserError(
            'niche_changed',
            `The niche "${niche.name}" changed during the import; run it again.`,
          );
        }
        // A small import is done before anyone could read a progress line: nothing is told.
        const told = sorted.length >= PROGRESS_MIN_NAMES ? input.onProgress : undefined;
        told?.({ niche: niche.name, done: 0, total: sorted.length });
        return writeNames(
          tx,
          niche.id,
          sorted,
          told && ((done) => told({ niche: niche.name, done, total: sorted.length })),
        );
      });
    } catch (err) {
      if (!isRetryable(err) || attempt >= 5) throw err;
      deps.log.warn({ attempt, code: (err as { code?: string }).code }, 'import transaction retried');
    }
  }

  const report: ImportReport = {
    niche: niche.name,
    added: outcome.added,
    movedFromUnassigned: outcome.moved,
    movedExamples: outcome.movedExamples,
    alreadyPresent: outcome.present,
    alreadyPresentByNiche: outcome.byNiche,
    repeated: parsed.repeated,
    malformed: parsed.malformed,
    malformedExamples: parsed.malformedExamples,
    entries: parsed.entries,
    lines: parsed.lines,
    headers: parsed.headers,
    freeTextRows: parsed.freeTextRows,
    comments: parsed.comments,
    trailingComments: parsed.trailingComments,
    ms: Math.round(performance.now() - started),
  };
  deps.log.info(
    {
      niche: niche.name,
      added: report.added,
      movedFromUnassigned: report.movedFromUnassigned,
      alreadyPresent: report.alreadyPresent,
      repeated: report.repeated,
      malformed: report.malformed,
      ms: report.ms,
    },
    'usernames imported',
  );
  await recordEvent(deps, {
    kind: 'import',
    message:
      `Import into ${niche.name}: ${report.added} added, ` +
      (report.movedFromUnassigned > 0 ? `${report.movedFromUnassigned} moved here from unassigned, ` : '') +
      `${report.alreadyPresent} already present, ` +
      `${report.repeated} repeated, ${report.malformed} malformed`,
    data: {
      niche: niche.name,
      nicheId: niche.id,
      sources: input.sources.map((s) => s.label),
      added: report.added,
      movedFromUnassigned: report.movedFromUnassigned,
      alreadyPresent: report.alreadyPresent,
      alreadyPresentByNiche: report.alreadyPresentByNiche.map(({ niche: n, count }) => ({ niche: n, count })),
      repeated: report.repeated,
      malformed: report.malformed,
      entries: report.entries,
      lines: report.lines,
      headers: report.headers,
      ms: report.ms,
    },
  });
  return report;
}
