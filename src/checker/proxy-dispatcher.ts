import { type Dispatcher, Pool, ProxyAgent } from 'undici';

export interface ProxyEndpoint {
  host: string;
  port: number;
  username: string | null;
  password: string | null;
}

/**
 * An undici ProxyAgent (CONNECT tunnel, basic auth) for one operator proxy. The connection to the
 * proxy itself gets the request timeout too: undici's default would wait 300 s for a proxy that
 * accepts the TCP connection but never answers CONNECT, and an abort signal does not end that wait.
 */
export function createProxyDispatcher(p: ProxyEndpoint, timeoutMs: number): Dispatcher {
  const host = p.host.includes(':') && !p.host.startsWith('[') ? `[${p.host}]` : p.host;
  const token =
    p.username !== null
      ? `Basic ${Buffer.from(`${p.username}:${p.password ?? ''}`).toString('base64')}`
      : undefined;
  return new ProxyAgent({
    uri: `http://${host}:${p.port}`,
    ...(token ? { token } : {}),
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs },
    clientFactory: (origin, opts) =>
      new Pool(origin, {
        ...opts,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connect: { timeout: timeoutMs },
      }),
  });
}
