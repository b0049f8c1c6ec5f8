import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { LoginLimit } from './login-limit.js';
import { createPanelApp } from './panel-app.js';
import type { PanelDeps } from './panel-types.js';

export { PUBLIC_PATHS } from './panel-app.js';
export type { PanelDeps } from './panel-types.js';

export interface PanelRoute {
  path: string;
  prefix: true;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Every route the panel declares (method and path), for the security tests. */
  routes(): Array<{ method: string; path: string }>;
}

/** The panel as a route of storywatch's HTTP server: everything under /panel goes to Hono. */
export function panelRoute(deps: Omit<PanelDeps, 'loginLimit'> & { loginLimit?: LoginLimit }): PanelRoute {
  const app = createPanelApp({ ...deps, loginLimit: deps.loginLimit ?? new LoginLimit() });
  const listener = getRequestListener((request, env) => app.fetch(request, env));
  return {
    path: '/panel',
    prefix: true,
    handle: (req, res) => listener(req, res),
    routes: () =>
      app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, path: r.path })),
  };
}

/** The address links point at: STORYWATCH_PUBLIC_URL, else this machine's HTTP port (undefined when off). */
export function panelBaseUrl(publicUrl: string | undefined, host: string, port: number): string | undefined {
  if (publicUrl) return publicUrl;
  if (port === 0) return undefined;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}
