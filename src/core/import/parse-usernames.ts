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
  const maxExamples = options.maxExamples ?? 10;
  const typedWords = options.typedWords ?? false;
  let lookForHeader = options.detectHeader ?? true;
  let watchFreeText = lookForHeader;
  const comments: CommentLines = { count: 0, lines: [] };
  const trailingComments: CommentLines = { count: 0, lines: [] };
  const seen = new Set<string>();
  const usernames: string[] = [];
  const malformedExamples: MalformedEntry[] = [];
  let repeated = 0;
  let malformed = 0;
  let entries = 0;
  let lineNo = 0;
  let start = 0;
  // Assigned in handleLine: the casts keep TypeScript from narrowing them to null below.
  let header = null as HeaderLine | null;
  let freeTextRow: FreeTextRow | null = null;
  /** Set when a CSV header chose a column: only that cell of each row is read. */
  let rows = null as CsvRows | null;
  /** The line an entry is on: the first line of a row that spans several. */
  let entryLine = 0;

  const addMalformed = (text: string, reason: string) => {
    malformed++;
    if (malformedExamples.length < maxExamples) {
      malformedExamples.push({ line: entryLine, text: clip(text), reason });
    }
  };

  const noteComment = (kind: CommentLines) => {
    kind.count++;
    if (kind.lines.length < maxExamples) kind.lines.push(lineNo);
  };

  const handlePart = (part: string, t: Token = parseToken(part)) => {
    if (part === '') return;
    entries++;
    if (t.ok) {
      if (seen.has(t.username)) repeated++;
      else {
        seen.add(t.username);
        usernames.push(t.username);
      }
      return;
    }
    addMalformed(part, t.reason);
  };

  const handleRow = (row: string, line: number, delimiter: string, h: HeaderLine) => {
    if (ONLY_SPACE_RE.test(row)) return;
    entryLine = line;
    const cells = splitCsvLine(row, delimiter);
    const cell = cells[h.index];
    const text = row.includes('\n') ? row.replace(/\s*\n\s*/g, ' ') : row;
    if (cell === undefined) {
      entries++;
      const n = cells.length;
      addMalformed(text, `no column "${h.column}" (the row has ${n} ${n === 1 ? 'cell' : 'cells'})`);
      return;
    }
    if (cell === '') {
      entries++;
      addMalformed(text, `empty cell in the column "${h.column}"`);
    } else handlePart(cell);
    // The other columns are not read; an @name or profile link in them is counted for the report.
    for (let i = 0; i < cells.length; i++) {
      const other = cells[i] ?? '';
      if (i === h.index || !OTHER_PROFILE_RE.test(other)) continue;
      const t = parseToken(other);
      const own = cell === '' ? null : parseToken(cell);
      if (!t.ok || (own?.ok && own.username === t.username)) continue;
      h.otherProfiles++;
      h.otherProfileExample ??= { line, text: clip(other) };
    }
  };

  /** Whether `line` is a header; a CSV header switches to reading one column per row. */
  const readHeader = (line: string): boolean => {
    const found = detectHeader(line, lineNo, isUsername);
    if (!found) return false;
    lookForHeader = false;
    const h = found.header;
    header = h;
    const delimiter = found.delimiter;
    if (delimiter !== null) {
      watchFreeText = false;
      rows = new CsvRows(delimiter, (row, at) => handleRow(row, at, delimiter, h));
    }
    return true;
  };

  /** The line without a trailing " #" comment (noted). */
  const cutComment = (line: string): string => {
    const cut = TRAILING_COMMENT_RE.exec(line);
    if (!cut) return line;
    noteComment(trailingComments);
    return line.slice(0, cut.index);
  };

  const watchForFreeText = (line: string) => {
    if (!watchFreeText || !CELL_SEPARATOR_RE.test(line) || !HAS_UPPER_RE.test(line)) return;
    const cell = freeTextCell(line);
    if (cell === null) return;
    freeTextRow = { line: lineNo, cell: clip(cell) };
    watchFreeText = false;
  };

  /** A line of several words: each an entry, unless a space makes it text (then one malformed entry). */
  const handleWords = (line: string) => {
    const words = line.split(SEPARATORS_RE).filter((w) => w !== '');
    const tokens = words.map((w) => parseToken(w));
    if (words.length > 1 && INNER_SPACE_RE.test(line) && tokens.some((t) => !t.ok)) {
      entries++;
      addMalformed(line.trim(), textLineReason(words, tokens));
      return;
    }
    for (const [i, w] of words.entries()) handlePart(w, tokens[i]);
  };

  const handleLine = (line: string) => {
    lineNo++;
    entryLine = lineNo;
    if (rows !== null) {
      rows.push(line, lineNo);
      return;
    }
    if (ONLY_SPACE_RE.test(line)) return;
    if (typedWords) {
      for (const part of line.split(SEPARATORS_RE)) handlePart(part);
      return;
    }
    // Tried before comments: a header's first cell may be "#" (a row-number column).
    if (lookForHeader && readHeader(line)) return;
    if (COMMENT_LINE_RE.test(line)) {
      noteComment(comments);
      return;
    }
    // Comment lines may come before a header; any other line ends the search.
    lookForHeader = false;
    const body = cutComment(line);
    // Most lines hold one name: skip the split for them.
    if (!HAS_SEPARATOR_RE.test(body)) {
      handlePart(body);
      return;
    }
    watchForFreeText(body);
    handleWords(body);
  };

  LINE_BREAK_RE.lastIndex = 0;
  for (let m = LINE_BREAK_RE.exec(text); m !== null; m = LINE_BREAK_RE.exec(text)) {
    handleLine(text.slice(start, m.index));
    start = m.index + m[0].length;
  }
  if (start < text.length) handleLine(text.slice(start));
  if (rows !== null && header !== null) {
    rows.end();
    header.unclosedQuoteLine = rows.unclosedQuoteLine;
  }
  return {
    usernames,
    repeated,
    malformed,
    malformedExamples,
    entries,
    lines: lineNo,
    header,
    freeTextRow,
    comments,
    trailingComments,
  };
}
