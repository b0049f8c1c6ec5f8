/**
 * One typed or imported word to a username: `@Name`, a profile link or a bare name, validated against
 * Instagram's rules (1-30 of a-z 0-9 . _, not starting or ending with '.', without '..'; stored
 * lowercase), or the reason it is not one (a link to a post, a location, a highlight...).
 */
export const USERNAME_MAX = 30;
export const USERNAME_RE = /^(?!\.)(?!.*\.\.)(?!.*\.$)[a-z0-9._]{1,30}$/;

/**
 * The first path segments of instagram.com links that are not profiles (Instagram reserves them as
 * usernames), each with what such a link shows, for the reason in the malformed list.
 */
const NON_PROFILE_PATHS = new Map<string, string>([
  ['p', 'a post'],
  ['reel', 'a reel'],
  ['reels', 'the reels feed'],
  ['tv', 'a video'],
  ['stories', 'stories, without a username'],
  ['_u', 'an app link without a username'],
  ['explore', 'the explore page'],
  ['locations', 'a location'],
  ['challenge', 'a login check'],
  ['emails', 'e-mail settings'],
  ['ar', 'an AR effect'],
  ['create', 'the create page'],
  ['threads', 'Threads'],
  ['session', 'a login session'],
  ['privacy', 'the privacy pages'],
  ['terms', 'the terms of use'],
  ['help', 'the help pages'],
  ['press', 'the press pages'],
  ['api', 'the API'],
  ['oauth', 'a login page'],
  ['graphql', 'the API'],
  ['static', 'a static file'],
  ['legal', 'the legal pages'],
  ['directory', 'the profile directory'],
  ['topics', 'a topic page'],
  ['web', 'a web app page'],
  ['nametag', 'a nametag'],
  ['lite', 'Instagram Lite'],
  ['about', 'the about pages'],
  ['developer', 'the developer pages'],
  ['accounts', 'account settings or login'],
  ['direct', 'direct messages'],
]);

function nonProfileReason(segment: string, what: string): string {
  return `an Instagram URL to /${segment}/ (${what}), not a profile`;
}

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
  // instagram.com/stories/NAME/... and instagram.com/_u/NAME name a profile too; a story highlight
  // (stories/highlights/ID) does not say whose it is.
  const lead = first?.toLowerCase();
  if ((lead === 'stories' || lead === '_u') && segments[1]) {
    if (lead === 'stories' && segments[1].toLowerCase() === 'highlights') {
      return { ok: false, reason: nonProfileReason('stories/highlights', 'a story highlight') };
    }
    first = segments[1];
  }
  if (first === undefined) return { ok: false, reason: 'an Instagram URL without a username' };
  let name: string;
  try {
    name = decodeURIComponent(first).toLowerCase();
  } catch {
    name = first.toLowerCase();
  }
  const what = NON_PROFILE_PATHS.get(name);
  if (what !== undefined) return { ok: false, reason: nonProfileReason(name, what) };
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
