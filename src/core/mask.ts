/**
 * Masks secrets inside free text (error messages, URLs, cookies) before it reaches a log or a reply.
 * pino's redaction works on paths only, so anything that can carry a credential in a string passes here.
 */
/** A proxy host as the parsers take it: a bracketed IPv6 address or a host name / IPv4 address. */
const HOST = String.raw`(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)`;
/** The start of `host:port:user:` (optionally after `scheme://`), up to where the password starts. */
const COLON_PROXY_HEAD = String.raw`(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\[[0-9a-f:.]+\]|[^\s:[]+):\d{1,5}:[^\s:]+:`;
/** The start of schemeless `user:` of `user:pass@host:port` (not `scheme://`). */
const AT_PROXY_USER = String.raw`[^\s:@/]+:(?!\/\/)`;
/** `@host:port` ending the credentials of `user:pass@host:port` (the last "@" before a host:port). */
const AT_PROXY_TAIL = String.raw`@(?=${HOST}:\d{1,5}(?!\d))`;
/** A decoded Instagram session id, `<ds_user_id>:<secret>:<digits>...`. */
const DECODED_SESSION_ID = String.raw`\b\d{3,25}:(?=[\w-]*[A-Za-z])[\w-]{8,}:\d`;

const PATTERNS: Array<[RegExp, string]> = [
  // user:pass@ in URLs (proxy URLs, connection strings)
  // (the user may be empty: redis://:password@host)
  [/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi, '$1***@'],
  // Proxies as the operator types them: the password of host:port:user:pass (to the end of the word;
  // the password may hold ":" and "@") and of schemeless user:pass@host:port
  // (a password already masked as *** is left alone, so masking twice keeps "***: port 0" readable)
  [new RegExp(String.raw`(^|\s)(${COLON_PROXY_HEAD})(?!\*\*\*(?:[\s:,;.)"'\]]|$))\S+`, 'gi'), '$1$2***'],
  [new RegExp(String.raw`(^|\s)(${AT_PROXY_USER})\S+${AT_PROXY_TAIL}`, 'gi'), '$1$2***@'],
  // Instagram cookies and similar key=value secrets
  // (a backtick right before the value's end is the closing quote of a code span, not the secret's)
  [/\b(sessionid|csrftoken|ds_user_id|rur|mid|ig_did|shbid|shbts)=([^;\s]+?)(?=`?(?:[;\s]|$))/gi, '$1=***'],
  // Bot tokens: Telegram (digits:35 chars) and Discord (three base64url parts)
  // (no word boundary before the digits: inside Bot API URLs the token follows `/bot` directly)
  [/(?<![0-9])\d{6,12}:[A-Za-z0-9_-]{30,}/g, '***telegram-token***'],
  [/\b[A-Za-z0-9_-]{20,30}\.[A-Za-z0-9_-]{5,7}\.[A-Za-z0-9_-]{25,}\b/g, '***discord-token***'],
  // A bare sessionid value, URL-encoded or decoded
  [/\b\d{3,25}%3A[A-Za-z0-9_-]{8,}[A-Za-z0-9%:._-]*/gi, '***sessionid***'],
  [new RegExp(`${DECODED_SESSION_ID}[A-Za-z0-9%:._-]*`, 'g'), '***sessionid***'],
  // Basic auth headers
  [/\b(Basic|Bearer|Bot)\s+[A-Za-z0-9+/=._-]{8,}/g, '$1 ***'],
];

const CREDENTIALS: RegExp[] = [
  // ip:port:user:pass, also with a bracketed IPv6 host or after scheme://
  new RegExp(String.raw`(^|\s)${COLON_PROXY_HEAD}\S`, 'i'),
  // scheme://user:pass@ and schemeless user:pass@host:port
  /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^@\s/]+@/i,
  new RegExp(String.raw`(^|\s)${AT_PROXY_USER}\S+${AT_PROXY_TAIL}`, 'i'),
  // Instagram session cookies
  /\b(sessionid|csrftoken)(=|%3D)[^\s;]{4,}/i,
  // a raw sessionid value: `<ds_user_id>%3A<secret>` or decoded `<ds_user_id>:<secret>:<digits>`
  /\b\d{3,25}%3A[A-Za-z0-9]{8,}/i,
  new RegExp(DECODED_SESSION_ID),
];

/**
 * Whether a chat message carries something that must not stay in the chat history, whatever command it
 * was meant for: a proxy with a password (`host:port:user:pass`, `[ipv6]:port:user:pass`,
 * `user:pass@host:port`, `scheme://user:pass@host`) or an Instagram session cookie or id (what
 * parseSessionCookies accepts). A mistyped `/proxy ad 1.2.3.4:8080:u:p` must be deleted all the same.
 * False positives kept: `fe80:0:0:0:1` and timecodes `12:30:45:00` read as ip:port:user:pass.
 */
export function containsCredentials(text: string): boolean {
  return CREDENTIALS.some((re) => re.test(text));
}

export function maskSecrets(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of extraSecrets) {
    if (secret && secret.length >= 3) out = out.split(secret).join('***');
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** Shows that a value exists without revealing it: `ab***yz` for long values, `***` for short ones. */
export function maskValue(value: string | null | undefined): string {
  if (!value) return '';
  if (value.length <= 8) return '***';
  return `${value.slice(0, 2)}***${value.slice(-2)}`;
}
