import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export const SESSION_COOKIE = 'sw_panel';
/**
 * The Mini App's session over https: Telegram's web client shows the panel in a cross-site iframe,
 * where a SameSite=Strict cookie is never sent. This one is SameSite=None (sent in the frame) and
 * Partitioned (CHIPS: kept only under the embedding site, so no other site's frame carries it).
 */
export const MINI_APP_COOKIE = 'sw_panel_mini';

/**
 * The CSRF token of a session: derived from the session's secret id, so it is bound to that session,
 * needs no storage, and cannot be computed by a page that cannot read the HttpOnly cookie.
 */
export function csrfToken(sessionId: string): string {
  return createHmac('sha256', sessionId).update('storywatch-panel-csrf').digest('base64url');
}

export function csrfMatches(sessionId: string, given: string | undefined): boolean {
  if (!given) return false;
  const expected = Buffer.from(csrfToken(sessionId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * The session ids the request carries, the link session's first. Both are tried: a browser can hold a
 * stale link cookie beside a live Mini App one, and the stale one must not lock the operator out.
 */
export function readSessionCookies(c: Context): string[] {
  const valid = (v: string | undefined): v is string => v !== undefined && /^[A-Za-z0-9_-]{43}$/.test(v);
  return [getCookie(c, SESSION_COOKIE), getCookie(c, MINI_APP_COOKIE)].filter(valid);
}

/**
 * HttpOnly, SameSite=Strict, only under /panel, Secure when the panel is served over https. A Mini App
 * login (`framed`) over https gets MINI_APP_COOKIE instead; over http a browser refuses SameSite=None
 * without Secure, so it falls back to the Strict cookie (enough for the mobile and desktop webviews).
 */
export function setSessionCookie(
  c: Context,
  id: string,
  expiresAt: Date,
  secure: boolean,
  framed = false,
): void {
  if (framed && secure) {
    setCookie(c, MINI_APP_COOKIE, id, {
      path: '/panel',
      httpOnly: true,
      sameSite: 'None',
      secure: true,
      partitioned: true,
      expires: expiresAt,
    });
    return;
  }
  setCookie(c, SESSION_COOKIE, id, {
    path: '/panel',
    httpOnly: true,
    sameSite: 'Strict',
    secure,
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/panel' });
  if (getCookie(c, MINI_APP_COOKIE))
    deleteCookie(c, MINI_APP_COOKIE, { path: '/panel', secure: true, sameSite: 'None', partitioned: true });
}
