import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export const SESSION_COOKIE = 'sw_panel';

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

export function readSessionCookie(c: Context): string | undefined {
  const value = getCookie(c, SESSION_COOKIE);
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}

/** HttpOnly, SameSite=Strict, only under /panel, Secure when the panel is served over https. */
export function setSessionCookie(c: Context, id: string, expiresAt: Date, secure: boolean): void {
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
}
