/**
 * Turns the text of an import file (or pasted names) into usernames. Instagram usernames are 1-30 of
 * a-z 0-9 . _, not starting or ending with '.', without '..'; stored lowercase.
 */
import { CsvRows, detectHeader, type HeaderLine, splitCsvLine } from './csv-header.js';
import { parseToken, type Token } from './parse-token.js';

export { type HeaderLine, splitCsvLine } from './csv-header.js';

export {
  normalizeUsername,
  parseToken,
  type Token,
  USERNAME_MAX,
  USERNAME_RE,
} from './parse-token.js';

export interface MalformedEntry {
  /** 1-based line number in the file (or in the pasted text). */
  line: number;
  /** The entry as written, cut to 60 characters. */
  text: string;
  reason: string;
}

/** A line read without a header that looks like a CSV row with a free-text cell (a full name). */
export interface FreeTextRow {
  line: number;
  /** The cell, cut to 60 characters. */
  cell: string;
}

/** Comment lines of one kind: how many, and the first line numbers (as many as malformed examples). */
export interface CommentLines {
  count: number;
  lines: number[];
}

export interface ParsedUsernames {
  /** Valid usernames, lowercase, each once, in the order first seen. */
  usernames: string[];
  /** Entries that named a username already seen earlier in the same input. */
  repeated: number;
  malformed: number;
  /** The first malformed entries, with line numbers and reasons. */
  malformedExamples: MalformedEntry[];
  /** Every entry seen (valid, repeated and malformed); a header line is not an entry. */
  entries: number;
  lines: number;
  /** The header line that was skipped, if the first non-empty line was one. */
  header: HeaderLine | null;
  /** Without a header: the first line whose words may be a full name or other text, not usernames. */
  freeTextRow: FreeTextRow | null;
  /** Lines starting with "#", skipped (as `proxy add` does). */
  comments: CommentLines;
  /** Lines whose end, from a " #", was cut off as a comment. */
  trailingComments: CommentLines;
}

const SEPARATORS_RE = /[\s,;]+/u;
const HAS_SEPARATOR_RE = /[\s,;]/u;
const LINE_BREAK_RE = /\r\n|\r|\n/g;
const ONLY_SPACE_RE = /^[\s,;]*$/u;
const CELL_SEPARATOR_RE = /[,;\t]/;
const HAS_UPPER_RE = /\p{Lu}/u;
/** A capitalised word after or before a space inside a cell: `National Geographic`, `Jane Doe`. */
const FREE_TEXT_RE = /(?:^|\s)\p{Lu}\p{Ll}+\s+\S|\S\s+\p{Lu}\p{Ll}+(?:\s|$)/u;

/** A line starting with "#" (after any indent) is a note, as in proxy lists. */
const COMMENT_LINE_RE = /^\s*#/u;
/** " #" (whitespace, then "#") starts a note at the end of a line; a "#" inside a word does not. */
const TRAILING_COMMENT_RE = /\s#/u;
/**
 * A space (any whitespace but a tab) between two words. Tabs, commas and semicolons separate cells of
 * a list; a space may also be the space of a sentence or a full name, so such a line is read as a list
 * only when every word on it is a username.
 */
const INNER_SPACE_RE = /\S[^\S\t]+\S/u;

/** A cell that names a profile unmistakably: an @name or an Instagram link. */
const OTHER_PROFILE_RE = /^@|instagr(?:am\.com|\.am)/i;

function isUsername(cell: string): boolean {
  return parseToken(cell).ok;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function clipWord(s: string): string {
  return s.length > 30 ? `${s.slice(0, 27)}...` : s;
}

/** Why a line with spaces is one malformed entry: its first word that is not a username, and what is accepted. */
function textLineReason(words: readonly string[], tokens: readonly Token[]): string {
  const badAt = tokens.findIndex((t) => !t.ok);
  const first = tokens[badAt];
  const why = first && !first.ok ? first.reason : 'not a username';
  const bad = tokens.filter((t) => !t.ok).length;
  const count = `${bad} of ${words.length} words ${bad === 1 ? 'is' : 'are'} not`;
  return (
    `a line of text, not a list of usernames: ${count} a username ("${clipWord(words[badAt] ?? '')}": ${why}), ` +
    'so nothing on the line was imported. A line holds usernames or profile links separated by spaces, ' +
    'commas or semicolons; a note can follow " #"'
  );
}

/** The first cell of a line that reads like free text (a full name) rather than usernames. */
function freeTextCell(line: string): string | null {
  for (const cell of line.split(CELL_SEPARATOR_RE)) {
    const t = cell.trim();
    if (FREE_TEXT_RE.test(t)) return t;
  }
  return null;
}

/**
 * Parses decoded text line by line: any line ending; several names per line separated by whitespace,
 * commas or semicolons. Nothing is dropped silently: every entry is a username, a repeat or malformed,
 * and skipped comments are reported.
 *
 * A line with a space between words is read as a list only when every word is a username: otherwise
 * it is text (`bad name!`, `Jane Doe - coach`) and the whole line is one malformed entry, so no word
 * of a sentence is imported as a name. Tabs, commas and semicolons alone separate a list as before.
 * As in `proxy add`, a line starting with "#" is a comment and " #" starts one at the end of a line;
 * a "#" inside a word is part of it.
 *
 * With `detectHeader` (the default; off for typed names) the first line that is not a comment, if it
 * is a CSV header naming a username column (`username,full_name,followers`), makes only that column
 * of each following row an entry (cells are read whole: a bio may hold " #"); a lone `username` line
 * over a list is skipped too. Either header is reported.
 *
 * `typedWords` is for names typed after a command and joined with spaces: their line breaks are lost,
 * so every word is its own entry, and a "#" cannot tell where a comment would end.
 */
export function parseUsernames(
  text: string,
  options: { maxExamples?: number; detectHeader?: boolean; typedWords?: boolean } = {},
): ParsedUsernames {
  const parser = new UsernameParser(
    options.maxExamples ?? 10,
    options.typedWords ?? false,
    options.detectHeader ?? true,
  );
  let start = 0;
  LINE_BREAK_RE.lastIndex = 0;
  for (let m = LINE_BREAK_RE.exec(text); m !== null; m = LINE_BREAK_RE.exec(text)) {
    parser.line(text.slice(start, m.index));
    start = m.index + m[0].length;
  }
  if (start < text.length) parser.line(text.slice(start));
  return parser.end();
}

/** The state of one parse, fed a line at a time (see parseUsernames for the rules). */
class UsernameParser {
  private readonly comments: CommentLines = { count: 0, lines: [] };
  private readonly trailingComments: CommentLines = { count: 0, lines: [] };
  private readonly seen = new Set<string>();
  private readonly usernames: string[] = [];
  private readonly malformedExamples: MalformedEntry[] = [];
  private repeated = 0;
  private malformed = 0;
  private entries = 0;
  private lineNo = 0;
  private header: HeaderLine | null = null;
  private freeTextRow: FreeTextRow | null = null;
  /** Set when a CSV header chose a column: only that cell of each row is read. */
  private rows: CsvRows | null = null;
  /** The line an entry is on: the first line of a row that spans several. */
  private entryLine = 0;
  private lookForHeader: boolean;
  private watchFreeText: boolean;

  constructor(
    private readonly maxExamples: number,
    private readonly typedWords: boolean,
    detectHeader: boolean,
  ) {
    this.lookForHeader = detectHeader;
    this.watchFreeText = detectHeader;
  }

  line(line: string): void {
    this.lineNo++;
    this.entryLine = this.lineNo;
    if (this.rows !== null) {
      this.rows.push(line, this.lineNo);
      return;
    }
    if (ONLY_SPACE_RE.test(line)) return;
    if (this.typedWords) {
      for (const part of line.split(SEPARATORS_RE)) this.part(part);
      return;
    }
    // Tried before comments: a header's first cell may be "#" (a row-number column).
    if (this.lookForHeader && this.readHeader(line)) return;
    if (COMMENT_LINE_RE.test(line)) {
      this.noteComment(this.comments);
      return;
    }
    // Comment lines may come before a header; any other line ends the search.
    this.lookForHeader = false;
    const body = this.cutComment(line);
    // Most lines hold one name: skip the split for them.
    if (!HAS_SEPARATOR_RE.test(body)) {
      this.part(body);
      return;
    }
    this.watchForFreeText(body);
    this.words(body);
  }

  end(): ParsedUsernames {
    if (this.rows !== null && this.header !== null) {
      this.rows.end();
      this.header.unclosedQuoteLine = this.rows.unclosedQuoteLine;
    }
    return {
      usernames: this.usernames,
      repeated: this.repeated,
      malformed: this.malformed,
      malformedExamples: this.malformedExamples,
      entries: this.entries,
      lines: this.lineNo,
      header: this.header,
      freeTextRow: this.freeTextRow,
      comments: this.comments,
      trailingComments: this.trailingComments,
    };
  }

  private addMalformed(text: string, reason: string): void {
    this.malformed++;
    if (this.malformedExamples.length < this.maxExamples) {
      this.malformedExamples.push({ line: this.entryLine, text: clip(text), reason });
    }
  }

  private noteComment(kind: CommentLines): void {
    kind.count++;
    if (kind.lines.length < this.maxExamples) kind.lines.push(this.lineNo);
  }

  private part(part: string, t: Token = parseToken(part)): void {
    if (part === '') return;
    this.entries++;
    if (t.ok) {
      if (this.seen.has(t.username)) this.repeated++;
      else {
        this.seen.add(t.username);
        this.usernames.push(t.username);
      }
      return;
    }
    this.addMalformed(part, t.reason);
  }

  /** One row under a CSV header: only the header's column is an entry. */
  private row(row: string, line: number, delimiter: string, h: HeaderLine): void {
    if (ONLY_SPACE_RE.test(row)) return;
    this.entryLine = line;
    const cells = splitCsvLine(row, delimiter);
    const cell = cells[h.index];
    const text = row.includes('\n') ? row.replace(/\s*\n\s*/g, ' ') : row;
    if (cell === undefined) {
      this.entries++;
      const n = cells.length;
      this.addMalformed(text, `no column "${h.column}" (the row has ${n} ${n === 1 ? 'cell' : 'cells'})`);
      return;
    }
    if (cell === '') {
      this.entries++;
      this.addMalformed(text, `empty cell in the column "${h.column}"`);
    } else this.part(cell);
    countOtherProfiles(cells, cell, line, h);
  }

  /** Whether `line` is a header; a CSV header switches to reading one column per row. */
  private readHeader(line: string): boolean {
    const found = detectHeader(line, this.lineNo, isUsername);
    if (!found) return false;
    this.lookForHeader = false;
    const h = found.header;
    this.header = h;
    const delimiter = found.delimiter;
    if (delimiter !== null) {
      this.watchFreeText = false;
      this.rows = new CsvRows(delimiter, (row, at) => this.row(row, at, delimiter, h));
    }
    return true;
  }

  /** The line without a trailing " #" comment (noted). */
  private cutComment(line: string): string {
    const cut = TRAILING_COMMENT_RE.exec(line);
    if (!cut) return line;
    this.noteComment(this.trailingComments);
    return line.slice(0, cut.index);
  }

  private watchForFreeText(line: string): void {
    if (!this.watchFreeText || !CELL_SEPARATOR_RE.test(line) || !HAS_UPPER_RE.test(line)) return;
    const cell = freeTextCell(line);
    if (cell === null) return;
    this.freeTextRow = { line: this.lineNo, cell: clip(cell) };
    this.watchFreeText = false;
  }

  /** A line of several words: each an entry, unless a space makes it text (then one malformed entry). */
  private words(line: string): void {
    const words = line.split(SEPARATORS_RE).filter((w) => w !== '');
    const tokens = words.map((w) => parseToken(w));
    if (words.length > 1 && INNER_SPACE_RE.test(line) && tokens.some((t) => !t.ok)) {
      this.entries++;
      this.addMalformed(line.trim(), textLineReason(words, tokens));
      return;
    }
    for (const [i, w] of words.entries()) this.part(w, tokens[i]);
  }
}

/** The other columns are not read; an @name or profile link in them is counted for the report. */
function countOtherProfiles(cells: readonly string[], cell: string, line: number, h: HeaderLine): void {
  for (let i = 0; i < cells.length; i++) {
    const other = cells[i] ?? '';
    if (i === h.index || !OTHER_PROFILE_RE.test(other)) continue;
    const t = parseToken(other);
    const own = cell === '' ? null : parseToken(cell);
    if (!t.ok || (own?.ok && own.username === t.username)) continue;
    h.otherProfiles++;
    h.otherProfileExample ??= { line, text: clip(other) };
  }
}
