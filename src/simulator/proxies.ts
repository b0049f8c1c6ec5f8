import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

/**
 * Loopback forward proxies for the simulator: CONNECT tunnels with basic auth, which is what the
 * checker's undici ProxyAgent speaks. Each tunnel's upstream port is written into `exits`, so the
 * simulated Instagram can tell which proxy a request came through (as Instagram sees a proxy's IP)
 * without binding extra loopback addresses that not every system has.
 */
export interface SimProxy {
  /** `host:port:user:pass`, the operator's format. */
  line: string;
  label: string;
  stop(): Promise<void>;
}

/** Upstream local port -> the label of the proxy that opened it. */
export type ProxyExits = Map<number, string>;

function authorized(req: IncomingMessage, expected: string): boolean {
  const m = /^Basic\s+(.+)$/i.exec(String(req.headers['proxy-authorization'] ?? ''));
  return Boolean(m?.[1]) && Buffer.from(m?.[1] ?? '', 'base64').toString('utf8') === expected;
}

function tunnel(req: IncomingMessage, client: Socket, head: Buffer, label: string, exits: ProxyExits): void {
  client.on('error', () => {});
  const i = (req.url ?? '').lastIndexOf(':');
  const host = (req.url ?? '').slice(0, i);
  const port = Number((req.url ?? '').slice(i + 1));
  // Only the simulator on this machine: the demo's proxies never reach the internet.
  if (host !== '127.0.0.1' && host !== 'localhost') {
    client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const upstream = connect({ host: '127.0.0.1', port });
  upstream.once('connect', () => {
    if (upstream.localPort) exits.set(upstream.localPort, label);
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => {
    if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
  });
  upstream.on('close', () => {
    if (upstream.localPort) exits.delete(upstream.localPort);
    client.destroy();
  });
  client.on('close', () => upstream.destroy());
}

export async function startSimProxy(
  label: string,
  auth: { username: string; password: string },
  exits: ProxyExits,
): Promise<SimProxy> {
  const sockets = new Set<Socket>();
  const expected = `${auth.username}:${auth.password}`;
  const server: Server = createServer((_req, res) => {
    // Plain HTTP forwarding is not needed: the checker always tunnels.
    res.writeHead(405, { 'content-type': 'text/plain' });
    res.end('this simulated proxy only tunnels (CONNECT)\n');
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    if (!authorized(req, expected)) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="sim"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    tunnel(req, client, head, label, exits);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    line: `127.0.0.1:${port}:${auth.username}:${auth.password}`,
    label,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
