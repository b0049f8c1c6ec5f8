import { Registry } from 'prom-client';
import { dispatch } from '../../src/bot/commands/dispatch.js';
import { findCommand } from '../../src/bot/commands/registry.js';
import type { CommandServices } from '../../src/bot/commands/types.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { type HttpServerHandle, startHttpServer } from '../../src/http/server.js';
import { type PanelRoute, panelRoute } from '../../src/web/index.js';
import { LoginLimit } from '../../src/web/login-limit.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/deps.js';

export const OWNER = '5550001';
export const STRANGER = '5550999';
export const BOT_TOKEN = '7000000001:AAHfakeTokenForThePanelTests_0123456789';

/** storywatch's real HTTP server on 127.0.0.1 serving the real panel, on a test database. */
export interface PanelHarness {
  app: TestApp;
  core: CoreDeps;
  clock: ManualClock;
  route: PanelRoute;
  /** What the panel's commands get (tests add enqueueBatch). */
  services: CommandServices;
  http: HttpServerHandle;
  base: string;
  /** A login link as the `panel` command answers it on the console. */
  loginLink(): Promise<string>;
  /** Opens a link as a browser does: its page (GET), then the page's form (POST), whose answer is returned. */
  openLink(link: string): Promise<Response>;
  /** Logs in with a fresh link; returns the cookie header value and the page's CSRF token. */
  login(): Promise<{ cookie: string; csrf: string }>;
  close(): Promise<void>;
}

export async function startPanel(options: { loginLimit?: number; secureCookies?: boolean } = {}) {
  const app = await createTestApp({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_OWNER_IDS: OWNER });
  const clock = new ManualClock();
  const core: CoreDeps = { ...app.core, clock };
  const services: CommandServices = {};
  const route = panelRoute({
    core,
    services,
    secureCookies: options.secureCookies ?? false,
    telegram: { botToken: BOT_TOKEN, ownerIds: [OWNER], initDataMaxAge: 3600 },
    loginLimit: new LoginLimit(options.loginLimit ?? 1000, 15 * 60_000, () => clock.now().getTime()),
  });
  const http = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    log: app.log,
    health: () => [],
    metrics: new Registry(),
    routes: () => [route],
  });
  const base = `http://127.0.0.1:${http.port}`;
  services.panelUrl = base;
  const harness: PanelHarness = {
    app,
    core,
    clock,
    route,
    services,
    http,
    base,
    async loginLink() {
      const found = findCommand(['panel']);
      if (!found) throw new Error('no panel command');
      const actor = {
        platform: 'console' as const,
        userId: 'console',
        chatId: 'console',
        commandPrefix: 'storywatch ',
      };
      const r = await dispatch({ command: found.command, values: {} }, { core, actor, services });
      const text = r.blocks.map((b) => (b.type === 'text' ? b.text : '')).join('\n');
      const link = /https?:\/\/\S+\/panel\/login\?token=[A-Za-z0-9_-]+/.exec(text)?.[0];
      if (!link) throw new Error(`no link in the panel reply: ${text}`);
      return link;
    },
    async openLink(link: string) {
      const page = await fetch(link, { redirect: 'manual' });
      if (page.status !== 200) return page;
      const token = /name="token" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      return fetch(`${base}/panel/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
    },
    async login() {
      const res = await harness.openLink(await harness.loginLink());
      const cookie = sessionCookie(res);
      const page = await fetch(`${base}/panel/niches`, { headers: { cookie } });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
      if (res.status !== 200 || !csrf) throw new Error(`login failed: ${res.status}`);
      return { cookie, csrf };
    },
    async close() {
      await http.stop();
      await app.destroy();
    },
  };
  return harness;
}

/** `sw_panel=...` from a response's Set-Cookie, ready for a Cookie header. */
export function sessionCookie(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('sw_panel='));
  if (!set) throw new Error(`no session cookie (status ${res.status})`);
  return set.split(';')[0]!;
}
