/**
 * Masks secrets inside free text (error messages, URLs, cookies) before it reaches a log or a reply.
 * pino's redaction works on paths only, so anything that can carry a credential in a string passes here.
 */
const PATTERNS: Array<[RegExp, string]> = [
  // user:pass@ in URLs (proxy URLs, connection strings)
  // (the user may be empty: redis://:password@host)
  [/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi, '$1***@'],
  // Instagram cookies and similar key=value secrets
  [/\b(sessionid|csrftoken|ds_user_id|rur|mid|ig_did|shbid|shbts)=([^;\s]+)/gi, '$1=***'],
  // Bot tokens: Telegram (digits:35 chars) and Discord (three base64url parts)
  // (no word boundary before the digits: inside Bot API URLs the token follows `/bot` directly)
  [/(?<![0-9])\d{6,12}:[A-Za-z0-9_-]{30,}/g, '***telegram-token***'],
  [/\b[A-Za-z0-9_-]{20,30}\.[A-Za-z0-9_-]{5,7}\.[A-Za-z0-9_-]{25,}\b/g, '***discord-token***'],
  // Basic auth headers
  [/\b(Basic|Bearer|Bot)\s+[A-Za-z0-9+/=._-]{8,}/g, '$1 ***'],
];

/**
 * Whether a chat message carries something that must not stay in the chat history, whatever command it
 * was meant for: a proxy with a password (`host:port:user:pass`, `scheme://user:pass@host`) or an
 * Instagram session cookie. A mistyped `/proxy ad 1.2.3.4:8080:u:p` must be deleted all the same.
 */
export function containsCredentials(text: string): boolean {
  return (
    /(^|\s)[^\s:]+:\d{1,5}:[^\s:]+:\S+/.test(text) ||
    /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^@\s/]+@/i.test(text) ||
    /\bsessionid(=|%3D)\S{8,}/i.test(text) ||
    // a raw sessionid value: `<ds_user_id>%3A<secret>`
    /\b\d{5,}%3A[A-Za-z0-9]{8,}/i.test(text)
  );
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
