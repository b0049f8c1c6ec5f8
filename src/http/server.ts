import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import { maskSecrets } from '../core/mask.js';
import { type HealthCheck, runHealthChecks } from './health.js';

export interface HttpServerOptions {
  port: number;
  /** HTTP_HOST: 127.0.0.1 unless asked; all interfaces inside a container (its port is published on loopback). */
  host?: string;
  log: Logger;
  health(): readonly HealthCheck[];
  metrics: Registry;
  /**
   * Further routes a role serves on the same port (a Telegram webhook callback, for example). Looked
   * up per request, since a front-end may only start after the server is already listening.
   */
  routes?: () => ReadonlyArray<HttpServerRoute>;
  /** How long a client may take to send its headers, and a whole request (tests shorten them). */
  timeouts?: { headersMs: number; requestMs: number };
}

/**
 * A client that opens a connection and never finishes its request would hold a socket for Node's
 * defaults (60 s of headers, 5 min per request); the panel is public behind a proxy, so both are
 * shorter. A request still has time for a 20 MB upload at about 100 kB/s.
 */
export const HTTP_TIMEOUTS = { headersMs: 15_000, requestMs: 180_000 };

export interface HttpServerRoute {
  path: string;
  /** Also serves every path under `path/` (the web panel under /panel). */
  prefix?: boolean;
  handle(req: IncomingMessage, res: ServerResponse): unknown;
}

function routeMatches(route: HttpServerRoute, path: string): boolean {
  return path === route.path || (route.prefix === true && path.startsWith(`${route.path}/`));
}

export interface HttpServerHandle {
  port: number;
  /** The address it listens on (127.0.0.1 unless HTTP_HOST says otherwise). */
  address(): AddressInfo;
  stop(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** A refused listen in the operator's words: which address, and which variable to change. */
function listenError(err: NodeJS.ErrnoException, options: HttpServerOptions): Error {
  const address = `${options.host ?? '127.0.0.1'}:${options.port}`;
  const change =
    'set HTTP_PORT to a free port (or HTTP_PORT=0 to turn /healthz and /metrics off), or HTTP_HOST to another address';
  if (err.code === 'EADDRINUSE')
    return new Error(`${address} is already in use (another storywatch, or another program): ${change}`);
  if (err.code === 'EACCES')
    return new Error(`${address} needs privileges this process lacks (ports below 1024): ${change}`);
  if (err.code === 'EADDRNOTAVAIL')
    return new Error(`${address}: HTTP_HOST is not an address of this machine; ${change}`);
  return err;
}

/**
 * Serves /healthz and /metrics (and any routes a role adds): by default the bots use outbound
 * connections, so nothing else needs to listen.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const log = options.log.child({ component: 'http' });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const extra = options.routes?.().find((r) => routeMatches(r, path));
    if (extra) {
      await extra.handle(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'GET only\n');
      return;
    }
    if (path === '/healthz') {
      const report = await runHealthChecks(options.health());
      if (report.status !== 'ok') log.warn({ failing: report.failing }, 'health check failing');
      send(res, report.status === 'ok' ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`);
      return;
    }
    if (path === '/metrics') {
      send(res, 200, options.metrics.contentType, await options.metrics.metrics());
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz or /metrics\n');
  };
  const timeouts = options.timeouts ?? HTTP_TIMEOUTS;
  const serverOptions = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    // Node checks both deadlines on this interval; at its 30 s default a short deadline would be late.
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(timeouts.headersMs / 4))),
  };
  const server: Server = createServer(serverOptions, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const message = maskSecrets(err instanceof Error ? err.message : String(err));
      log.error({ path: req.url, err }, 'http request failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `error: ${message}\n`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const refused = (err: NodeJS.ErrnoException) => reject(listenError(err, options));
    server.once('error', refused);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', refused);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: options.host ?? '127.0.0.1' }, 'http server listening (/healthz, /metrics)');
  return {
    port,
    address: () => server.address() as AddressInfo,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections from a scraper would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
