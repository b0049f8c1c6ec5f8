/**
 * Headers as desktop Chrome sends them on instagram.com (the anchors' sources in docs/instagram.md):
 * a client whose user agent, client hints and fetch metadata disagree is what Instagram answers with
 * 429 "useragent mismatch". Built once per user agent and reused: this runs for every request.
 */
export interface Identity {
  userAgent: string;
  appId: string;
  asbdId: string;
}

export interface SessionCookie {
  cookie: string;
  csrftoken: string;
}

const hintsCache = new Map<string, Record<string, string>>();

/** `sec-ch-ua*` matching the user agent (Chrome's major version; mobile and platform from the UA). */
export function clientHints(userAgent: string): Record<string, string> {
  let hints = hintsCache.get(userAgent);
  if (hints) return hints;
  const major = /Chrome\/(\d+)/.exec(userAgent)?.[1];
  const platform = /Windows/.test(userAgent)
    ? 'Windows'
    : /Mac OS X/.test(userAgent)
      ? 'macOS'
      : /Android/.test(userAgent)
        ? 'Android'
        : /Linux/.test(userAgent)
          ? 'Linux'
          : 'Unknown';
  hints = major
    ? {
        'sec-ch-ua': `"Chromium";v="${major}", "Google Chrome";v="${major}", "Not_A Brand";v="99"`,
        'sec-ch-ua-mobile': /Mobile/.test(userAgent) ? '?1' : '?0',
        'sec-ch-ua-platform': `"${platform}"`,
      }
    : {};
  if (hintsCache.size > 50) hintsCache.clear();
  hintsCache.set(userAgent, hints);
  return hints;
}

/** An XHR from the web app (the JSON APIs and graphql). */
export function xhrHeaders(
  id: Identity,
  origin: string,
  refererPath: string,
  session?: SessionCookie,
): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': id.userAgent,
    accept: '*/*',
    'accept-language': 'en-US,en;q=0.9',
    ...clientHints(id.userAgent),
    'sec-fetch-dest': 'empty',
    'sec-fetch-mode': 'cors',
    'sec-fetch-site': 'same-origin',
    'x-asbd-id': id.asbdId,
    'x-ig-app-id': id.appId,
    'x-requested-with': 'XMLHttpRequest',
    referer: `${origin}${refererPath}`,
  };
  if (session) {
    headers.cookie = session.cookie;
    headers['x-csrftoken'] = session.csrftoken;
  }
  return headers;
}

/** A top-level page load (the logged-out profile page). */
export function documentHeaders(id: Identity, session?: SessionCookie): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': id.userAgent,
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
    'accept-language': 'en-US,en;q=0.9',
    ...clientHints(id.userAgent),
    'sec-fetch-dest': 'document',
    'sec-fetch-mode': 'navigate',
    'sec-fetch-site': 'none',
    'sec-fetch-user': '?1',
    'upgrade-insecure-requests': '1',
  };
  if (session) headers.cookie = session.cookie;
  return headers;
}
