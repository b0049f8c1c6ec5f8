/**
 * Parses the operator's proxy lines. The documented format is `ip:port:user:pass` (or `host:port`
 * without auth), where the password is everything after the third ":"; `user:pass@host:port` and
 * `http://user:pass@host:port` are accepted too because that is how most providers print them. Every
 * refusal names the reason, never the password.
 */
export interface ParsedProxy {
  host: string;
  port: number;
  username: string | null;
  password: string | null;
}

export type ProxyLineResult = { ok: true; proxy: ParsedProxy } | { ok: false; reason: string };

export const PROXY_FORMATS =
  'ip:port:user:pass, host:port, user:pass@host:port or http://user:pass@host:port (IPv6 in brackets: [2001:db8::1]:8080)';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IPV6_BODY = /^[0-9a-f:.]+$/i;

function fail(reason: string): ProxyLineResult {
  return { ok: false, reason };
}

function checkHost(host: string): string | undefined {
  if (host === '') return 'the host is missing';
  if (host.startsWith('[')) {
    const inner = host.slice(1, -1);
    if (!host.endsWith(']') || !inner.includes(':') || !IPV6_BODY.test(inner))
      return `"${host}" is not a valid IPv6 address`;
    return undefined;
  }
  if (IPV4.test(host)) {
    if (host.split('.').some((o) => Number(o) > 255))
      return `"${host}" is not a valid IPv4 address (each part 0-255)`;
    return undefined;
  }
  if (/^[\d.]+$/.test(host)) return `"${host}" is not a valid IPv4 address (four numbers 0-255)`;
  if (!HOSTNAME.test(host)) return `"${host}" is not a valid host name or IP address`;
  return undefined;
}

function checkPort(text: string | undefined): number | string {
  if (text === undefined || text === '') return 'the port is missing';
  // Not quoted: in a mistyped line the port's place may hold part of a password.
  if (!/^\d+$/.test(text)) return 'the port is not a number';
  const port = Number(text);
  if (port < 1 || port > 65535) return `port ${text} is out of range (1-65535)`;
  return port;
}

function build(
  host: string,
  portText: string | undefined,
  user: string | undefined,
  pass: string | undefined,
): ProxyLineResult {
  const hostProblem = checkHost(host);
  if (hostProblem) return fail(hostProblem);
  const port = checkPort(portText);
  if (typeof port === 'string') return fail(port);
  const hasUser = user !== undefined && user !== '';
  const hasPass = pass !== undefined && pass !== '';
  if (hasUser && !hasPass) return fail('the password is missing (a user name was given without one)');
  if (!hasUser && hasPass) return fail('the user name is missing (a password was given without one)');
  if (hasUser && /\s/.test(user)) return fail('the user name contains spaces');
  return {
    ok: true,
    proxy: {
      host: host.toLowerCase(),
      port,
      username: hasUser ? user : null,
      password: hasPass ? pass : null,
    },
  };
}

/** Splits `host:port` where host may be `[ipv6]`; refuses bare IPv6 with a hint. */
function splitHostPort(text: string): { host: string; rest: string[] } | { error: string } {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return { error: 'the IPv6 address has no closing "]"' };
    const after = text.slice(end + 1);
    if (after !== '' && !after.startsWith(':')) return { error: 'expected ":port" after the IPv6 address' };
    return { host: text.slice(0, end + 1), rest: after === '' ? [] : after.slice(1).split(':') };
  }
  const parts = text.split(':');
  // ip:port:user:pass has at most 3 colons unless the password has some; a bare IPv6 has "::" or
  // several short hex groups before the port.
  const first = parts[0] ?? '';
  const hexStart = first === '' || /^[0-9a-f]{1,4}$/i.test(first);
  const manyHexGroups = parts.length > 4 && parts.slice(0, 3).every((p) => /^[0-9a-f]{1,4}$/i.test(p));
  if (hexStart && (text.includes('::') || manyHexGroups)) {
    return { error: 'IPv6 addresses must be in brackets, e.g. [2001:db8::1]:8080:user:pass' };
  }
  return { host: parts[0] ?? '', rest: parts.slice(1) };
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

function splitScheme(text: string): { scheme: string; body: string } {
  const m = SCHEME.exec(text);
  return m ? { scheme: m[0], body: text.slice(m[0].length) } : { scheme: '', body: text };
}

/** `host:port` with a valid host and port, nothing else: what must follow an "@" that ends credentials. */
function isHostPort(text: string): boolean {
  const hp = splitHostPort(text);
  if ('error' in hp || hp.rest.length !== 1 || checkHost(hp.host)) return false;
  return typeof checkPort(hp.rest[0]) === 'number';
}

/**
 * `ip:port:user:pass` with an address first and a number second: the documented format wins over an
 * "@" further on (an e-mail user name, or a password with "@").
 */
function looksColonFormat(body: string): boolean {
  if (body.startsWith('[')) return true;
  const [first = '', port = '', ...more] = body.split(':');
  if (more.length < 2 || !/^\d+$/.test(port) || first.includes('@')) return false;
  return /^[\d.]+$/.test(first) || first.includes('.') || first.toLowerCase() === 'localhost';
}

/**
 * Which format a line is in: `at` for `user:pass@host:port`, `colon` for `ip:port:user:pass` (or no
 * credentials), `unclear` when it has an "@" and neither reading parses. "@" only separates the
 * credentials from the host when a valid host:port follows it.
 */
function credentialFormat(scheme: string, body: string): 'at' | 'colon' | 'unclear' {
  const at = body.lastIndexOf('@');
  if (at < 0) return 'colon';
  if (scheme) return 'at';
  if (looksColonFormat(body)) return 'colon';
  if (isHostPort(body.slice(at + 1))) return 'at';
  return parseColon('', body).ok ? 'colon' : 'unclear';
}

function parseColon(scheme: string, body: string): ProxyLineResult {
  if (scheme && body.split(':').length > 2 && !body.startsWith('[')) {
    return fail('in a URL, credentials go before the host: http://user:pass@host:port');
  }
  const hp = splitHostPort(body);
  if ('error' in hp) return fail(hp.error);
  const [port, user, ...passParts] = hp.rest;
  if (hp.rest.length === 0) return fail('the port is missing (expected host:port)');
  // Everything after the user is the password, whatever it contains (":", "@", ",", ";", "#", spaces).
  const pass = passParts.length > 0 ? passParts.join(':') : undefined;
  return build(hp.host, port, user, pass);
}

function parseAt(body: string): ProxyLineResult {
  const at = body.lastIndexOf('@');
  const auth = body.slice(0, at);
  const colon = auth.indexOf(':');
  const user = colon < 0 ? auth : auth.slice(0, colon);
  const pass = colon < 0 ? undefined : auth.slice(colon + 1);
  const hp = splitHostPort(body.slice(at + 1));
  if ('error' in hp) return fail(hp.error);
  if (hp.rest.length > 1) return fail('expected host:port after "@"');
  return build(hp.host, hp.rest[0], safeDecode(user), pass === undefined ? undefined : safeDecode(pass));
}

/** Reasons quote at most the host, never a field that may hold a password (not even the port's). */
export function parseProxyLine(raw: string): ProxyLineResult {
  return parseBody(raw.trim());
}

function parseBody(line: string): ProxyLineResult {
  const { scheme, body: rawBody } = splitScheme(line);
  let body = rawBody;
  if (scheme) {
    const protocol = scheme.slice(0, -3).toLowerCase();
    if (protocol !== 'http') return fail(`${protocol}:// proxies are not supported (HTTP proxies only)`);
    body = body.replace(/\/+$/, '');
    if (body.slice(body.lastIndexOf('@') + 1).includes('/'))
      return fail('a proxy address has no path after host:port');
  }
  const format = credentialFormat(scheme, body);
  if (format === 'colon') return parseColon(scheme, body);
  if (format === 'at') return parseAt(body);
  // Neither reading works: explain with the one the line resembles more.
  const afterAt = body.slice(body.lastIndexOf('@') + 1);
  return !afterAt.includes(':') || /:\d+$/.test(afterAt) ? parseAt(body) : parseColon(scheme, body);
}

/** Where the password of `ip:port:user:pass` starts (after the third ":"), if the text has one. */
function colonSecretStart(body: string): number | undefined {
  let from = 0;
  if (body.startsWith('[')) {
    const end = body.indexOf(']');
    if (end < 0) return undefined;
    from = end + 1;
  }
  let colons = 0;
  for (let i = from; i < body.length; i++) {
    if (body[i] === ':' && ++colons === 3) return i + 1;
  }
  return undefined;
}

/** The password of `user:pass@host`: from after the first ":" to the last "@". */
function atSecretRange(body: string): [number, number] | undefined {
  const at = body.lastIndexOf('@');
  if (at < 0) return undefined;
  const colon = body.indexOf(':');
  return colon >= 0 && colon < at ? [colon + 1, at] : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface ParsedProxyLine {
  lineNumber: number;
  proxy: ParsedProxy;
}

export interface RefusedProxyLine {
  lineNumber: number;
  /** The line with any password masked, to show the operator which one it was. */
  shown: string;
  reason: string;
}

export interface ParsedProxyList {
  proxies: ParsedProxyLine[];
  refused: RefusedProxyLine[];
  /** Line numbers of comment lines (starting with "#"), skipped. */
  comments: number[];
  /** Line numbers of lines whose end, from a " #", was cut off as a comment. */
  trailingComments: number[];
}

/** " #" (whitespace, then "#") starts a comment; a "#" inside a word stays part of it (`pa#ss`). */
const TRAILING_COMMENT = /\s#/;

/**
 * Whether a piece of a line is a whole proxy of its own, so the line may be read as several: it parses,
 * and its host is an IPv4 address, a bracketed IPv6 address or a host name with a dot. A fragment of a
 * password (`pass:1234`, `c:1`) is not one.
 */
function isCompleteProxy(piece: string): boolean {
  const parsed = parseProxyLine(piece);
  if (!parsed.ok) return false;
  const { host } = parsed.proxy;
  return host.startsWith('[') || IPV4.test(host) || host.includes('.');
}

/**
 * A refused piece of a line whose comment was cut off may end inside a password (`user:pa #ss@host`):
 * besides what maskProxyText hides, everything after the first ":" is hidden unless a port follows it.
 */
function maskCutPiece(piece: string): string {
  const masked = maskProxyText(piece);
  const { scheme, body } = splitScheme(piece.trim());
  if (masked !== piece || !body.includes(':') || /^(\[[^\]]*\]|[^:]*):\d+(:|$)/.test(body)) return masked;
  return `${scheme}${body.slice(0, body.indexOf(':'))}:***`;
}

/**
 * One proxy per line. A line that parses whole is one proxy, so a password may hold spaces, ",", ";"
 * and "#" (but not " #"). A line is read as several proxies (split at spaces, "," or ";") only when
 * every piece is a complete proxy (isCompleteProxy), or when it does not parse whole and holds no
 * password a split could expose. Lines starting with "#" are comments, and " #" starts a comment at
 * the end of a line (both reported); blank lines are skipped. Every other piece is added or refused.
 */
export function parseProxyList(text: string): ParsedProxyList {
  const proxies: ParsedProxyLine[] = [];
  const refused: RefusedProxyLine[] = [];
  const comments: number[] = [];
  const trailingComments: number[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((rawLine, i) => {
    const lineNumber = i + 1;
    let line = rawLine.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      comments.push(lineNumber);
      return;
    }
    const cut = TRAILING_COMMENT.exec(line);
    if (cut) {
      line = line.slice(0, cut.index).trim();
      trailingComments.push(lineNumber);
    }
    const add = (piece: string, parsed = parseProxyLine(piece)) => {
      if (parsed.ok) proxies.push({ lineNumber, proxy: parsed.proxy });
      else {
        const shown = cut ? maskCutPiece(piece) : maskProxyText(piece);
        refused.push({ lineNumber, shown, reason: parsed.reason });
      }
    };
    const pieces = line.split(/[\s,;]+/).filter(Boolean);
    if (pieces.length > 1 && pieces.every(isCompleteProxy)) {
      for (const piece of pieces) add(piece);
      return;
    }
    const whole = parseProxyLine(line);
    if (whole.ok || maskProxyText(line) !== line) add(line, whole);
    else for (const piece of pieces) add(piece);
  });
  return { proxies, refused, comments, trailingComments };
}

/**
 * Hides whatever could be a password: everything after the third ":" of `ip:port:user:pass`, and the
 * password of `user:pass@host:port` and of URLs. When a line could be either, both are hidden.
 */
export function maskProxyText(text: string): string {
  const { scheme, body } = splitScheme(text.trim());
  const format = credentialFormat(scheme, body.replace(/\/+$/, ''));
  const ranges: Array<[number, number]> = [];
  const colon = colonSecretStart(body);
  const auth = atSecretRange(body);
  if (format !== 'at' && colon !== undefined) ranges.push([colon, body.length]);
  if (format !== 'colon' && auth) ranges.push(auth);
  if (format === 'colon' && colon === undefined && auth) ranges.push(auth);
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [from, to] of ranges) {
    if (to <= pos) continue;
    out += `${body.slice(pos, Math.max(from, pos))}***`;
    pos = to;
  }
  return `${scheme}${out}${body.slice(pos)}`;
}

export function proxyAddress(p: { host: string; port: number }): string {
  return `${p.host}:${p.port}`;
}
