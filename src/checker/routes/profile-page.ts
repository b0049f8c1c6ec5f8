import { classifyAnswer } from '../answer-class.js';
import type { ResolveRoute } from './types.js';

/**
 * The logged-out profile page, `GET /{username}/`. The user is embedded in the page's JSON as
 * `"xig_user_by_username":{"pk":"...","username":"...","is_private":...}`; older pages carry
 * `"profile_id":"..."` or `profilePage_<id>` instead (docs/instagram.md).
 */
export const profilePage: ResolveRoute = {
  name: 'profile_page',
  step: 'resolve',
  needsSession: false,
  request: (username) => ({
    path: `/${encodeURIComponent(username)}/`,
    kind: 'document',
    refererPath: '/',
  }),
  read(raw, withSession) {
    const r = classifyAnswer(raw, { withSession, notFound: 'not_found', graphql: false, html: true });
    if ('cls' in r) return r;
    if (r.kind !== 'html') return { cls: 'changed', detail: 'not a page', latencyMs: r.latencyMs };
    const user = readUser(r.html);
    if (user) return { cls: 'ok', value: user, latencyMs: r.latencyMs };
    if (
      /"pageID"\s*:\s*"httpErrorPage"|Sorry, this page isn(?:'|&#039;|\\u0027)t available|Page not found/i.test(
        r.html,
      )
    )
      return { cls: 'ok', value: null, latencyMs: r.latencyMs };
    if (/loginForm|"LoginAndSignupPage"|\/accounts\/login\//.test(r.html))
      return { cls: 'wall', detail: 'the profile page shows the login form', latencyMs: r.latencyMs };
    return {
      cls: 'changed',
      detail: 'the profile page carries none of xig_user_by_username, profile_id, profilePage_',
      latencyMs: r.latencyMs,
    };
  },
};

/** Reads the embedded user; null when no marker is there. */
export function readUser(html: string): { id: string; isPrivate: boolean } | null {
  const start = html.indexOf('"xig_user_by_username"');
  if (start >= 0) {
    const obj = balancedObject(html, html.indexOf('{', start));
    if (obj) {
      try {
        const u = JSON.parse(obj) as { pk?: unknown; id?: unknown; is_private?: unknown };
        const id = String(u.pk ?? u.id ?? '');
        if (/^\d{1,30}$/.test(id)) return { id, isPrivate: u.is_private === true };
      } catch {
        // fall through to the older markers
      }
    }
  }
  const id = /"profile_id"\s*:\s*"(\d{1,30})"/.exec(html)?.[1] ?? /profilePage_(\d{1,30})/.exec(html)?.[1];
  if (!id) return null;
  return { id, isPrivate: /"is_private"\s*:\s*true/.test(html) };
}

/** The JSON object starting at `from` (strings and escapes respected); null if it does not close. */
function balancedObject(text: string, from: number): string | null {
  if (from < 0) return null;
  let depth = 0;
  let inString = false;
  const end = Math.min(text.length, from + 20_000);
  for (let i = from; i < end; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(from, i + 1);
  }
  return null;
}
