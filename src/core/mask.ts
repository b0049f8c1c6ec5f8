/**
 * Masks secrets inside free text (error messages, URLs, cookies) before it reaches a log or a reply.
 * pino's redaction works on paths only, so anything that can carry a credential in a string passes here.
 */
const PATTERNS: Array<[RegExp, string]> = [
  // user:pass@ in URLs (proxy URLs, connection strings)
  [/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, '$1***@'],
  // Instagram cookies and similar key=value secrets
  [/\b(sessionid|csrftoken|ds_user_id|rur|mid|ig_did|shbid|shbts)=([^;\s]+)/gi, '$1=***'],
  // Bot tokens: Telegram (digits:35 chars) and Discord (three base64url parts)
  [/\b\d{6,12}:[A-Za-z0-9_-]{30,}\b/g, '***telegram-token***'],
  [/\b[A-Za-z0-9_-]{20,30}\.[A-Za-z0-9_-]{5,7}\.[A-Za-z0-9_-]{25,}\b/g, '***discord-token***'],
  // Basic auth headers
  [/\b(Basic|Bearer|Bot)\s+[A-Za-z0-9+/=._-]{8,}/g, '$1 ***'],
];

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
