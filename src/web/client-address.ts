import { BlockList, isIP } from 'node:net';

/**
 * Which client a request comes from, for the failed-login rate limit. Behind a reverse proxy (Caddy in
 * docker-compose.yml) every socket is the proxy's, so every client would share one count; the proxy's
 * X-Forwarded-For names the real client. That header is anyone's to write, so it is read only when
 * the socket belongs to a proxy the operator named (TRUSTED_PROXY), and then from the right: each
 * trusted hop vouches for the address to its left, and the first address no trusted proxy is the
 * client. Anything unreadable stops the walk at the last hop that could be vouched for, so a forged
 * header can only make a client share a count, never escape it.
 */

/** `private`: loopback and the private ranges, where a compose network (and Caddy on it) lives. */
const NAMED_RANGES: Record<string, ReadonlyArray<[string, number, 'ipv4' | 'ipv6']>> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  private: [
    ['127.0.0.0', 8, 'ipv4'],
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['::1', 128, 'ipv6'],
    ['fc00::', 7, 'ipv6'],
  ],
};

/** TRUSTED_PROXY's entries (validated by the env schema: IPs, CIDRs, `private`, `loopback`); none: off. */
export function trustedProxies(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const named = NAMED_RANGES[entry];
    if (named) {
      for (const [net, prefix, type] of named) list.addSubnet(net, prefix, type);
      continue;
    }
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** An address as one spelling: `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) is 10.0.0.1. */
function normalize(raw: string): string | undefined {
  let address = raw.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1]!;
  return isIP(address) === 0 ? undefined : address;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client's address: the socket's, unless the socket is a trusted proxy; then the rightmost
 * X-Forwarded-For entry that is not itself a trusted proxy.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trusted: BlockList | undefined,
): string {
  let client = socketAddress === undefined ? undefined : normalize(socketAddress);
  if (client === undefined) return 'unknown';
  if (!trusted || !forwardedFor) return client;
  const hops = forwardedFor.split(',').reverse();
  for (const hop of hops) {
    if (!isTrusted(trusted, client)) return client;
    const next = normalize(hop);
    if (next === undefined) return client;
    client = next;
  }
  return client;
}
