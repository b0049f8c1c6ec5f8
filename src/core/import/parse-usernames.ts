/**
 * Turns the text of an import file (or pasted names) into usernames. Instagram usernames are 1-30 of
 * a-z 0-9 . _, not starting or ending with '.', without '..'; stored lowercase.
 */
export const USERNAME_MAX = 30;
export const USERNAME_RE = /^(?!\.)(?!.*\.\.)(?!.*\.$)[a-z0-9._]{1,30}$/;

/** The first path segments of instagram.com links that are not profiles. */
const NON_PROFILE_PATHS = new Set([
  'p',
  'reel',
  'reels',
  'tv',
  'explore',
  'accounts',
  'direct',
  'about',
  'legal',
  'developer',
  'web',
]);
const INSTAGRAM_HOST_RE = /^(?:www\.|m\.)?(?:instagram\.com|instagr\.am)$/i;
// Anything with a scheme, or a host-like part followed by '/', is read as a link, not as a name
// (a bare `name.com` is a valid username).
const URL_LIKE_RE = /^(?:[a-z][a-z0-9+.-]*:\/\/|[^/\s]+\.[a-z]{2,}(?::\d+)?\/)/i;

// The common link shapes, read without the cost of a URL object; anything else goes through fromUrl.
const SIMPLE_PROFILE_URL_RE =
  /^(?:https?:\/\/)?(?:www\.|m\.)?instagram\.com\/([a-z0-9._]{1,30})(?:\/(?:reels\/?|tagged\/?|)?)?(?:[?#][^/]*)?$/i;

export type Token = { ok: true; username: string } | { ok: false; reason: string };

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return cp < 0x21 || (cp >= 0x7f && cp <= 0xa0) || /\p{C}|\p{Z}/u.test(ch) ? code : `'${ch}'`;
}

/** Why a lowercase, @-stripped candidate is not a username; null when it is one. */
function usernameProblem(name: string): string | null {
  if (name === '') return 'empty username';
  const length = [...name].length;
  if (length > USERNAME_MAX) return `too long (${length} characters, at most ${USERNAME_MAX})`;
  const bad = /[^a-z0-9._]/u.exec(name);
  if (bad) return `bad character ${describeChar(bad[0])} (only a-z, 0-9, '.' and '_')`;
  if (name.startsWith('.')) return "starts with '.'";
  if (name.endsWith('.')) return "ends with '.'";
  if (name.includes('..')) return "has '..' (two dots in a row)";
  return null;
}

function fromUrl(token: string): Token {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(token) ? token : `https://${token}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { ok: false, reason: 'not a valid link' };
  }
  if (!/^https?:$/.test(url.protocol) || !INSTAGRAM_HOST_RE.test(url.hostname)) {
    return { ok: false, reason: `not an Instagram URL (host ${url.hostname || 'missing'})` };
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  let first = segments[0];
  // instagram.com/stories/NAME/... and instagram.com/_u/NAME name a profile too.
  if ((first === 'stories' || first === '_u') && segments[1]) first = segments[1];
  if (first === undefined) return { ok: false, reason: 'an Instagram URL without a username' };
  let name: string;
  try {
    name = decodeURIComponent(first).toLowerCase();
  } catch {
    name = first.toLowerCase();
  }
  if (NON_PROFILE_PATHS.has(name))
    return { ok: false, reason: `an Instagram URL to /${name}/, not a profile` };
  const problem = usernameProblem(name);
  return problem
    ? { ok: false, reason: `URL with a bad username: ${problem}` }
    : { ok: true, username: name };
}

/** One entry as written (`@Name`, `name`, `"name"`, a profile link) to a username or the reason it is not. */
export function parseToken(raw: string): Token {
  let token = raw;
  // Names quoted by a spreadsheet's CSV export.
  if (token.length >= 2 && token.startsWith('"') && token.endsWith('"')) token = token.slice(1, -1);
  if (token.startsWith('@')) token = token.slice(1);
  const lower = token.toLowerCase();
  if (INSTAGRAM_HOST_RE.test(lower)) return { ok: false, reason: 'an Instagram URL without a username' };
  if (USERNAME_RE.test(lower)) return { ok: true, username: lower };
  const simple = SIMPLE_PROFILE_URL_RE.exec(token);
  if (simple?.[1]) {
    const name = simple[1].toLowerCase();
    if (USERNAME_RE.test(name) && !NON_PROFILE_PATHS.has(name)) return { ok: true, username: name };
  }
  if (URL_LIKE_RE.test(token)) return fromUrl(token);
  const problem = usernameProblem(lower);
  return problem ? { ok: false, reason: problem } : { ok: true, username: lower };
}

/** Normalises one operator-given name (`@Name`, a profile URL) to the stored form, or null. */
export function normalizeUsername(raw: string): string | null {
  const t = parseToken(raw.trim());
  return t.ok ? t.username : null;
}

export interface MalformedEntry {
  /** 1-based line number in the file (or in the pasted text). */
  line: number;
  /** The entry as written, cut to 60 characters. */
  text: string;
  reason: string;
}

export interface ParsedUsernames {
  /** Valid usernames, lowercase, each once, in the order first seen. */
  usernames: string[];
  /** Entries that named a username already seen earlier in the same input. */
  repeated: number;
  malformed: number;
  /** The first malformed entries, with line numbers and reasons. */
  malformedExamples: MalformedEntry[];
  /** Every entry seen (valid, repeated and malformed). */
  entries: number;
  lines: number;
}

const SEPARATORS_RE = /[\s,;]+/u;
const HAS_SEPARATOR_RE = /[\s,;]/u;
const LINE_BREAK_RE = /\r\n|\r|\n/g;
const ONLY_SPACE_RE = /^[\s,;]*$/u;

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Parses decoded text line by line: any line ending; several names per line separated by whitespace,
 * commas or semicolons. Nothing is dropped silently: every entry is a username, a repeat or malformed.
 */
export function parseUsernames(text: string, options: { maxExamples?: number } = {}): ParsedUsernames {
  const maxExamples = options.maxExamples ?? 10;
  const seen = new Set<string>();
  const usernames: string[] = [];
  const malformedExamples: MalformedEntry[] = [];
  let repeated = 0;
  let malformed = 0;
  let entries = 0;
  let lineNo = 0;
  let start = 0;

  const handlePart = (part: string) => {
    if (part === '') return;
    entries++;
    const t = parseToken(part);
    if (t.ok) {
      if (seen.has(t.username)) repeated++;
      else {
        seen.add(t.username);
        usernames.push(t.username);
      }
      return;
    }
    malformed++;
    if (malformedExamples.length < maxExamples) {
      malformedExamples.push({ line: lineNo, text: clip(part), reason: t.reason });
    }
  };

  const handleLine = (line: string) => {
    lineNo++;
    // Most lines hold one name: skip the split for them.
    if (!HAS_SEPARATOR_RE.test(line)) handlePart(line);
    else if (!ONLY_SPACE_RE.test(line)) for (const part of line.split(SEPARATORS_RE)) handlePart(part);
  };

  LINE_BREAK_RE.lastIndex = 0;
  for (let m = LINE_BREAK_RE.exec(text); m !== null; m = LINE_BREAK_RE.exec(text)) {
    handleLine(text.slice(start, m.index));
    start = m.index + m[0].length;
  }
  if (start < text.length) handleLine(text.slice(start));
  return { usernames, repeated, malformed, malformedExamples, entries, lines: lineNo };
}
