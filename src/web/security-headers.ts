import type { MiddlewareHandler } from 'hono';

/**
 * Every panel response: scripts and styles only from our origin (Telegram's Mini App script is the one
 * exception, named by its full address: the whole of telegram.org would admit any script it serves), no inline script or style, no plugins, forms post only to us; framing only by Telegram's
 * web clients (web.telegram.org, which embeds Mini Apps in an iframe: the mobile and desktop apps use a
 * webview, which frame-ancestors does not concern).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' https://telegram.org/js/telegram-web-app.js",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'self' https://web.telegram.org",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // The login link carries its token in the URL: no page may pass its address on.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
};

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  };
}
