import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

export interface ConnectProxyOptions {
  /** Basic auth the proxy demands (407 otherwise); no auth when absent. */
  username?: string;
  password?: string;
  /** The local address outgoing connections are bound to, so the target sees a distinct client IP. */
  localAddress?: string;
}

/**
 * A small forward proxy like the operator's: CONNECT tunnels and plain absolute-URL HTTP requests,
 * with basic auth, binding its outgoing side to one loopback address (127.0.0.2, 127.0.0.3, ...).
 */
export class ConnectProxy {
  host = '127.0.0.1';
  port = 0;
  readonly localAddress: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Tunnels opened and plain requests forwarded. */
  connects = 0;
  forwarded = 0;
  authFailures = 0;
  /** When set, CONNECT answers 502 (the upstream is unreachable from this proxy). */
  failConnect = false;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(options: ConnectProxyOptions = {}) {
    this.localAddress = options.localAddress ?? '127.0.0.1';
    this.username = options.username;
    this.password = options.password;
  }

  /** `host:port:user:pass` (or `host:port`), the operator's format. */
  get line(): string {
    return this.username
      ? `${this.host}:${this.port}:${this.username}:${this.password ?? ''}`
      : `${this.host}:${this.port}`;
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.username) return true;
    const header = String(req.headers['proxy-authorization'] ?? '');
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (!m?.[1]) return false;
    return Buffer.from(m[1], 'base64').toString('utf8') === `${this.username}:${this.password ?? ''}`;
  }

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => this.forward(req, res));
    server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) =>
      this.tunnel(req, client, head),
    );
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, this.host, resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private tunnel(req: IncomingMessage, client: Socket, head: Buffer): void {
    client.on('error', () => {});
    if (!this.authorized(req)) {
      this.authFailures++;
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="fake"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    if (this.failConnect) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, portText] = splitHostPort(req.url ?? '');
    const upstream = connect({ host, port: Number(portText), localAddress: this.localAddress });
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.once('connect', () => {
      this.connects++;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => {
      if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
    client.on('close', () => upstream.destroy());
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    if (!this.authorized(req)) {
      this.authFailures++;
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="fake"' });
      res.end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400);
      res.end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    this.forwarded++;
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers,
        localAddress: this.localAddress,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }
}

function splitHostPort(authority: string): [string, string] {
  const i = authority.lastIndexOf(':');
  return i < 0 ? [authority, '443'] : [authority.slice(0, i).replace(/^\[|\]$/g, ''), authority.slice(i + 1)];
}

/** Starts `count` proxies whose outgoing connections come from 127.0.0.2, 127.0.0.3, ... */
export async function startConnectProxies(
  count: number,
  auth: { username?: string; password?: string } = {},
): Promise<ConnectProxy[]> {
  const proxies: ConnectProxy[] = [];
  for (let i = 0; i < count; i++) {
    proxies.push(await new ConnectProxy({ ...auth, localAddress: `127.0.0.${2 + i}` }).start());
  }
  return proxies;
}

export async function stopAll(proxies: readonly ConnectProxy[]): Promise<void> {
  await Promise.all(proxies.map((p) => p.stop()));
}
