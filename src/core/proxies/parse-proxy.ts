/**
 * Parses the operator's proxy lines. The documented format is `ip:port:user:pass` (or `host:port`
 * without auth); `user:pass@host:port` and `http://user:pass@host:port` are accepted too because that
 * is how most providers print them. Every refusal names the reason, never the password.
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
  if (!/^\d+$/.test(text)) return `port "${text}" is not a number`;
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

export function parseProxyLine(raw: string): ProxyLineResult {
  let line = raw.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(line);
  if (scheme) {
    const protocol = (scheme[1] ?? '').toLowerCase();
    if (protocol !== 'http') return fail(`${protocol}:// proxies are not supported (HTTP proxies only)`);
    line = line.slice(scheme[0].length).replace(/\/+$/, '');
    if (line.includes('/')) return fail('a proxy address has no path after host:port');
  }
  const at = line.lastIndexOf('@');
  if (at >= 0) {
    const auth = line.slice(0, at);
    const colon = auth.indexOf(':');
    const user = colon < 0 ? auth : auth.slice(0, colon);
    const pass = colon < 0 ? undefined : auth.slice(colon + 1);
    const hp = splitHostPort(line.slice(at + 1));
    if ('error' in hp) return fail(hp.error);
    if (hp.rest.length > 1) return fail('expected host:port after "@"');
    return build(hp.host, hp.rest[0], safeDecode(user), pass === undefined ? undefined : safeDecode(pass));
  }
  if (scheme && line.split(':').length > 2 && !line.startsWith('[')) {
    return fail('in a URL, credentials go before the host: http://user:pass@host:port');
  }
  const hp = splitHostPort(line);
  if ('error' in hp) return fail(hp.error);
  const [port, user, ...passParts] = hp.rest;
  if (hp.rest.length === 0) return fail('the port is missing (expected host:port)');
  // Passwords may contain ":"; everything after the user is the password.
  const pass = passParts.length > 0 ? passParts.join(':') : undefined;
  return build(hp.host, port, user, pass);
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

/** One proxy per line (or per whitespace-separated word); blank lines and `#` comments are ignored. */
export function parseProxyList(text: string): { proxies: ParsedProxyLine[]; refused: RefusedProxyLine[] } {
  const proxies: ParsedProxyLine[] = [];
  const refused: RefusedProxyLine[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((rawLine, i) => {
    const line = rawLine.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    for (const word of line.split(/[\s,;]+/).filter(Boolean)) {
      const parsed = parseProxyLine(word);
      if (parsed.ok) proxies.push({ lineNumber: i + 1, proxy: parsed.proxy });
      else refused.push({ lineNumber: i + 1, shown: maskProxyText(word), reason: parsed.reason });
    }
  });
  return { proxies, refused };
}

/** Hides whatever could be a password in a proxy line the parser could not understand. */
export function maskProxyText(text: string): string {
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    const head = text.slice(0, at);
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(head)?.[0] ?? '';
    const user = head.slice(scheme.length).split(':')[0] ?? '';
    return `${scheme}${user}:***@${text.slice(at + 1)}`;
  }
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    const parts = text.slice(end + 1).split(':');
    return parts.length > 3 ? `${text.slice(0, end + 1)}:${parts[1]}:${parts[2]}:***` : text;
  }
  const parts = text.split(':');
  return parts.length > 3 ? `${parts[0]}:${parts[1]}:${parts[2]}:***` : text;
}

export function proxyAddress(p: { host: string; port: number }): string {
  return `${p.host}:${p.port}`;
}
