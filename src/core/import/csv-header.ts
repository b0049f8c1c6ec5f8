/**
 * The CSV side of an import: whether the first line of a file is a header naming the username column,
 * splitting a row into cells, and joining the physical lines of a row whose quoted cell holds line
 * breaks (a bio). Nothing here decides what a username is: the caller passes that in.
 */

/** A header line of a CSV export (or a lone `username` line over a list): skipped, and reported. */
export interface HeaderLine {
  line: number;
  /** The header cell of the column that was read, as written (quotes removed). */
  column: string;
  /** 0-based index of that column. */
  index: number;
  /** Cells on the header line; 1 for a lone `username` line over a plain list. */
  columns: number;
  /** The header cells of the columns that were not read (cut to 30 characters), in order. */
  others: string[];
  /** Cells of those columns holding an @name or Instagram link to a profile other than the row's. */
  otherProfiles: number;
  /** The first such cell. */
  otherProfileExample: { line: number; text: string } | null;
  /** The line of the first quoted cell never closed within MAX_ROW_LINES lines (read line by line). */
  unclosedQuoteLine: number | null;
}

/**
 * Header words that name the username column whatever else the line holds. `username` is itself a
 * valid username, but as the first line of a file it is far likelier a header.
 */
const STRONG_HEADERS = ['username', 'usernames', 'user_name', 'instagram_url', 'profile_url'];
/** Header words that are also common real usernames: a header only next to a typical column name. */
const WEAK_HEADERS = ['user', 'handle', 'instagram', 'ig', 'account', 'profile', 'url', 'link'];
/** The column read when several header words appear: the first in this list. */
const HEADER_RANK = [...STRONG_HEADERS, ...WEAK_HEADERS];
/** Column names of the other columns of an export (after headerName), which may also be usernames. */
const COLUMN_NAMES = new Set(
  (
    'name names full_name fullname first_name last_name display_name nickname followers follower_count ' +
    'followers_count following following_count follows posts post_count posts_count media_count bio ' +
    'biography description email e_mail mail phone id user_id pk category categories niche niches notes ' +
    'note comment comments tag tags country city location website site date added date_added created ' +
    'status verified is_verified private is_private business is_business type source language gender ' +
    'age rank score engagement er likes'
  ).split(' '),
);
/** A quoted cell spanning more physical lines than this is taken as a quote left open by mistake. */
export const MAX_ROW_LINES = 100;

/** Splits one CSV line on `delimiter`, with simple quoting (`"a, b"`, `""` for a quote); cells trimmed. */
export function splitCsvLine(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && (line[i] === ' ' || (line[i] === '\t' && delimiter !== '\t'))) i++;
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (; i < line.length; i++) {
        if (line[i] !== '"') cell += line[i];
        else if (line[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          i++;
          break;
        }
      }
      // Anything between the closing quote and the delimiter belongs to the cell.
      const end = line.indexOf(delimiter, i);
      cell += line.slice(i, end === -1 ? line.length : end);
      i = end;
    } else {
      const end = line.indexOf(delimiter, i);
      cell = line.slice(i, end === -1 ? line.length : end);
      i = end;
    }
    cells.push(cell.trim());
    if (i === -1) return cells;
    i += delimiter.length;
  }
}

/**
 * Whether a quoted cell is still open at the end of `line`, given whether one was open at its start.
 * Same rules as splitCsvLine: a quote opens a cell only at its start, `""` inside is a quote.
 */
export function quoteOpenAfter(line: string, delimiter: string, open: boolean): boolean {
  if (!line.includes('"')) return open;
  let i = 0;
  let inQuote = open;
  for (;;) {
    if (inQuote) {
      const q = line.indexOf('"', i);
      if (q === -1) return true;
      if (line[q + 1] === '"') {
        i = q + 2;
        continue;
      }
      inQuote = false;
      const end = line.indexOf(delimiter, q + 1);
      if (end === -1) return false;
      i = end + delimiter.length;
    } else {
      while (i < line.length && (line[i] === ' ' || (line[i] === '\t' && delimiter !== '\t'))) i++;
      if (line[i] === '"') {
        inQuote = true;
        i++;
        continue;
      }
      const end = line.indexOf(delimiter, i);
      if (end === -1) return false;
      i = end + delimiter.length;
    }
  }
}

function headerName(cell: string): string {
  return cell
    .replace(/^\ufeff/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

function clip30(s: string): string {
  return s.length > 30 ? `${s.slice(0, 27)}...` : s;
}

/** A cell that says the line is a header: a typical column name, or text that cannot be a username. */
function columnLike(cell: string, isUsername: (cell: string) => boolean): boolean {
  if (cell === '') return false;
  const name = headerName(cell);
  if (COLUMN_NAMES.has(name) || STRONG_HEADERS.includes(name)) return true;
  // A link is data (a bad link is malformed data), never a column name.
  if (/^[a-z][a-z0-9+.-]*:\/\/|^[^/\s]+\.[a-z]{2,}\//i.test(cell)) return false;
  return !isUsername(cell);
}

/**
 * The header the first non-empty line is, if it is one. Alone on its line only an unambiguous header
 * word (`username`, `profile_url`, ...) is a header. On a delimited line an unambiguous word is one;
 * a word that is also a common username (`instagram`, `user`, `ig`, ...) only with another cell that
 * is a typical column name (`full_name`, `followers`) or cannot be a username (`Full Name`).
 */
export function detectHeader(
  line: string,
  lineNo: number,
  isUsername: (cell: string) => boolean,
): { header: HeaderLine; delimiter: string | null } | null {
  let cells: string[] = [];
  let delimiter: string | null = null;
  for (const d of [',', ';', '\t']) {
    if (!line.includes(d)) continue;
    const split = splitCsvLine(line, d);
    if (split.length > cells.length) {
      cells = split;
      delimiter = d;
    }
  }
  const header = (column: string, index: number, columns: number): HeaderLine => ({
    line: lineNo,
    column,
    index,
    columns,
    others: cells.filter((_, i) => i !== index).map(clip30),
    otherProfiles: 0,
    otherProfileExample: null,
    unclosedQuoteLine: null,
  });
  if (delimiter === null) {
    const only = splitCsvLine(line, '\n')[0] ?? '';
    if (!STRONG_HEADERS.includes(headerName(only))) return null;
    return { header: header(only, 0, 1), delimiter: null };
  }
  let best = -1;
  let rank = HEADER_RANK.length;
  for (const [index, cell] of cells.entries()) {
    const r = HEADER_RANK.indexOf(headerName(cell));
    if (r !== -1 && r < rank) {
      rank = r;
      best = index;
    }
  }
  if (best === -1) return null;
  if (rank >= STRONG_HEADERS.length && !cells.some((c, i) => i !== best && columnLike(c, isUsername))) {
    return null;
  }
  return { header: header(cells[best] ?? '', best, cells.length), delimiter };
}

/**
 * Joins the physical lines of a CSV row while a quoted cell is open, and hands each row on with the
 * line it starts on. A quote still open after MAX_ROW_LINES lines, or at the end, is taken as a
 * mistake: its first line is a row by itself and the lines after it are read again as rows.
 */
export class CsvRows {
  private pending: string[] = [];
  private start = 0;
  private open = false;
  unclosedQuoteLine: number | null = null;

  constructor(
    private readonly delimiter: string,
    private readonly onRow: (row: string, line: number) => void,
  ) {}

  push(line: string, lineNo: number): void {
    if (this.pending.length === 0) {
      this.open = quoteOpenAfter(line, this.delimiter, false);
      if (!this.open) {
        this.onRow(line, lineNo);
        return;
      }
      this.start = lineNo;
      this.pending.push(line);
      return;
    }
    this.pending.push(line);
    this.open = quoteOpenAfter(line, this.delimiter, true);
    if (!this.open) {
      const row = this.pending.join('\n');
      this.pending = [];
      this.onRow(row, this.start);
    } else if (this.pending.length > MAX_ROW_LINES) this.unclose();
  }

  /** Call after the last line. */
  end(): void {
    while (this.pending.length > 0) this.unclose();
  }

  private unclose(): void {
    const [first = '', ...rest] = this.pending;
    const start = this.start;
    this.unclosedQuoteLine ??= start;
    this.pending = [];
    this.open = false;
    this.onRow(first, start);
    for (const [i, line] of rest.entries()) this.push(line, start + 1 + i);
  }
}
