import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { IMPORT_MAX_BYTES } from '../bot/commands/import.js';
import type { IncomingFile } from '../bot/commands/types.js';
import { findSession, revokeSession } from '../core/panel/index.js';
import { LOGIN_JS, PANEL_CSS, PANEL_JS, TG_LOGIN_JS } from './assets.js';
import { batchesPage, batchProgress, resultsQuerySchema } from './batches-page.js';
import { isDatabaseDown } from './database-down.js';
import { formBody } from './form-body.js';
import { feedQuerySchema, nicheFeedPage } from './niche-feed.js';
import { addLoginRoutes, unauthorized } from './panel-auth-routes.js';
import { clearSessionCookie, csrfMatches, csrfToken, readSessionCookies } from './panel-session.js';
import type { PanelDeps, PanelEnv } from './panel-types.js';
import { toHtml } from './render-reply.js';
import { runCommand } from './run-command.js';
import { securityHeaders } from './security-headers.js';
import { addSettingsRoutes } from './settings-routes.js';

/** Reached without a session: the login routes, the Mini App's entry page and its static files. */
export const PUBLIC_PATHS: readonly string[] = [
  '/panel/login',
  '/panel/telegram-login',
  '/panel/tg',
  '/panel/assets/panel.css',
  '/panel/assets/panel.js',
  '/panel/assets/tg-login.js',
  '/panel/assets/login.js',
];

const ASSETS: Readonly<Record<string, { type: string; body: string }>> = {
  'panel.css': { type: 'text/css; charset=utf-8', body: PANEL_CSS },
  'panel.js': { type: 'text/javascript; charset=utf-8', body: PANEL_JS },
  'tg-login.js': { type: 'text/javascript; charset=utf-8', body: TG_LOGIN_JS },
  'login.js': { type: 'text/javascript; charset=utf-8', body: LOGIN_JS },
};

/**
 * Request bodies, by route: the import upload takes the import command's own limit (20 MB) plus the
 * form's overhead; the login routes (open to strangers) a token or a signed initData; every other
 * form the largest it sends (100,000 characters of proxy lines, or 1,000 usernames), URL-encoded.
 */
const UPLOAD_MAX_BYTES = IMPORT_MAX_BYTES + 1024 * 1024;
const LOGIN_MAX_BYTES = 64 * 1024;
const FORM_MAX_BYTES = 2 * 1024 * 1024;

function limitBodies(): MiddlewareHandler<PanelEnv> {
  const upload = bodyLimit({
    maxSize: UPLOAD_MAX_BYTES,
    onError: (c) => c.text('413 The file is larger than 20 MB: split it into smaller files\n', 413),
  });
  const small = (maxSize: number) =>
    bodyLimit({ maxSize, onError: (c) => c.text('413 Payload Too Large\n', 413) });
  const login = small(LOGIN_MAX_BYTES);
  const form = small(FORM_MAX_BYTES);
  return (c, next) => {
    if (c.req.path === '/panel/niches/import') return upload(c, next);
    return PUBLIC_PATHS.includes(c.req.path) ? login(c, next) : form(c, next);
  };
}

/**
 * Every other route needs a live session (401 otherwise). Checked before any body is read, so a
 * stranger's upload is never buffered: a chunked body has no Content-Length, and bodyLimit reads it.
 */
function requireSession(deps: PanelDeps): MiddlewareHandler<PanelEnv> {
  return async (c, next) => {
    if (PUBLIC_PATHS.includes(c.req.path)) return next();
    for (const id of readSessionCookies(c)) {
      const session = await findSession(deps.core, id);
      if (!session) continue;
      c.set('session', { ...session, id });
      c.set('csrf', csrfToken(id));
      return next();
    }
    return unauthorized(c);
  };
}

/** Every state-changing request of a session carries the session's CSRF token (403 otherwise). */
function requireCsrf(): MiddlewareHandler<PanelEnv> {
  return async (c, next) => {
    if (PUBLIC_PATHS.includes(c.req.path) || c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const id = c.get('session').id;
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const given = c.req.header('x-csrf-token') ?? (typeof body._csrf === 'string' ? body._csrf : undefined);
    if (!csrfMatches(id, given))
      return c.text('403 Forbidden: the form is out of date, reload the page\n', 403);
    return next();
  };
}

const createSchema = z.object({ name: z.string().max(200).default('') });
const moveSchema = z.object({
  name: z.string().max(200).default(''),
  position: z.string().max(10).default(''),
  niche: z.string().max(200).default(''),
});
const importSchema = z.object({
  niche: z.string().max(200).default(''),
  file: z.instanceof(File).optional(),
});

const bulkSchema = feedQuerySchema.extend({
  to: z.string().max(200).default(''),
  action: z.enum(['move', 'delete']),
  // One checkbox gives a string, several an array; a page shows at most 1,000 rows.
  user: z
    .union([z.string(), z.array(z.string())])
    .default([])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().max(200)).max(1000)),
});

function incomingFile(file: File): IncomingFile {
  return { name: file.name, size: file.size, read: async () => Buffer.from(await file.arrayBuffer()) };
}

function addNicheFeed(app: Hono<PanelEnv>, deps: PanelDeps): void {
  const request = (c: { get(k: 'session'): PanelEnv['Variables']['session']; get(k: 'csrf'): string }) => ({
    base: deps,
    userId: c.get('session').userId,
    csrf: c.get('csrf'),
  });
  app.get('/panel/niches', async (c) => {
    const query = feedQuerySchema.safeParse(c.req.query());
    return c.html(toHtml(nicheFeedPage({ ...request(c), query: query.success ? query.data : {} })));
  });
  app.post('/panel/niches/create', async (c) => {
    const body = await formBody(c.req, createSchema);
    const flash = await runCommand(deps, c.get('session').userId, 'niche add', { name: body.name });
    const created = z.object({ niche: z.object({ name: z.string() }) }).safeParse(flash.data);
    const query = created.success ? { niche: created.data.niche.name } : {};
    return c.html(toHtml(nicheFeedPage({ ...request(c), query, flash })));
  });
  app.post('/panel/niches/move', async (c) => {
    const body = await formBody(c.req, moveSchema);
    const values = { name: body.name, position: body.position };
    const flash = await runCommand(deps, c.get('session').userId, 'niche move', values);
    const query = { niche: body.niche || body.name };
    return c.html(toHtml(nicheFeedPage({ ...request(c), query, flash })));
  });
  app.post('/panel/profiles/bulk', async (c) => {
    const { niche, status, sort, page, to, action, user } = await formBody(c.req, bulkSchema);
    const userId = c.get('session').userId;
    // An empty selection goes to the command too: it says what to give, as in a chat.
    const flash =
      action === 'move'
        ? await runCommand(deps, userId, 'profiles move', { name: to, usernames: user })
        : await runCommand(deps, userId, 'profiles delete', { usernames: user });
    const query = { niche, status, sort, page };
    return c.html(toHtml(nicheFeedPage({ ...request(c), query, flash })));
  });
  app.post('/panel/niches/import', async (c) => {
    const body = await formBody(c.req, importSchema);
    const file = body.file && body.file.size > 0 ? incomingFile(body.file) : undefined;
    const flash = await runCommand(deps, c.get('session').userId, 'import', { niche: body.niche }, file);
    return c.html(
      toHtml(nicheFeedPage({ ...request(c), query: body.niche ? { niche: body.niche } : {}, flash })),
    );
  });
}

const runSchema = z.object({ niche: z.string().max(200).default(''), count: z.string().max(10).default('') });

function addBatches(app: Hono<PanelEnv>, deps: PanelDeps): void {
  const who = (c: { get(k: 'session'): PanelEnv['Variables']['session']; get(k: 'csrf'): string }) => ({
    base: deps,
    userId: c.get('session').userId,
    csrf: c.get('csrf'),
  });
  app.get('/panel/batches', async (c) => {
    const query = resultsQuerySchema.safeParse(c.req.query());
    return c.html(toHtml(batchesPage({ ...who(c), query: query.success ? query.data : {} })));
  });
  app.get('/panel/batches/progress', async (c) => c.html(toHtml(batchProgress(who(c)))));
  app.post('/panel/batches/run', async (c) => {
    const body = await formBody(c.req, runSchema);
    const values = { name: body.niche, count: body.count };
    const flash = await runCommand(deps, c.get('session').userId, 'batch run', values);
    return c.html(toHtml(batchesPage({ ...who(c), query: {}, flash })));
  });
}

/** The panel under /panel: security headers on everything, sessions on everything but the login routes. */
export function createPanelApp(deps: PanelDeps): Hono<PanelEnv> {
  const app = new Hono<PanelEnv>();
  app.use('*', securityHeaders());
  app.use('*', requireSession(deps));
  app.use('*', limitBodies());
  app.use('*', requireCsrf());
  addLoginRoutes(app, deps);
  app.get('/panel/assets/:name', (c) => {
    // Own keys only: `__proto__` or `constructor` would otherwise find Object's and answer 500.
    const name = c.req.param('name');
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    return asset ? c.body(asset.body, 200, { 'content-type': asset.type }) : c.notFound();
  });
  app.get('/panel', (c) => c.redirect('/panel/niches', 303));
  app.get('/panel/', (c) => c.redirect('/panel/niches', 303));
  addNicheFeed(app, deps);
  addBatches(app, deps);
  addSettingsRoutes(app, deps);
  app.post('/panel/logout', async (c) => {
    await revokeSession(deps.core, c.get('session').id);
    clearSessionCookie(c);
    return c.html(
      html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>storywatch</title></head><body><p>Logged out. Send <code>panel</code> to the bot for a new link.</p></body></html>`,
    );
  });
  app.notFound((c) => c.text('404 Not Found\n', 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.text(`${err.status} ${err.message}\n`, err.status);
    if (isDatabaseDown(err)) {
      deps.core.log.error({ component: 'web', err, path: c.req.path }, 'web panel: database unavailable');
      c.header('retry-after', '30');
      return c.text('503 Service Unavailable: the database is not answering. Try again in a minute.\n', 503);
    }
    deps.core.log.error({ component: 'web', err, path: c.req.path }, 'web panel request failed');
    return c.text('500 Internal Server Error\n', 500);
  });
  return app;
}
